{{ sector_progress('tourism') }}
