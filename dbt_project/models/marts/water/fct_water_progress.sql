{{ sector_progress('water') }}
