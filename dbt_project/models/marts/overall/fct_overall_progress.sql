{{ sector_progress('overall') }}
