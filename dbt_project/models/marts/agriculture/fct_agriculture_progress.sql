{{ sector_progress('agriculture') }}
