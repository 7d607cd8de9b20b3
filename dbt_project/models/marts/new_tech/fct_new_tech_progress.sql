{{ sector_progress('new_tech') }}
