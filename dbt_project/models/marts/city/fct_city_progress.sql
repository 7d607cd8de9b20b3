{{ sector_progress('city') }}
