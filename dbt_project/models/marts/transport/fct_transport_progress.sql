{{ sector_progress('transport') }}
