{{ sector_progress('energy') }}
