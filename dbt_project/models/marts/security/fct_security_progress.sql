{{ sector_progress('security') }}
