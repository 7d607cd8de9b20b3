{{ sector_progress('industry') }}
