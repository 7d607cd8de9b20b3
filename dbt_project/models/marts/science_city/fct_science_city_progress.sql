{{ sector_progress('science_city') }}
