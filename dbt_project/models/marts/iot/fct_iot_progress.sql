{{ sector_progress('iot') }}
