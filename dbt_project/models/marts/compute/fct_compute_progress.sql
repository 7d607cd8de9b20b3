{{ sector_progress('compute') }}
