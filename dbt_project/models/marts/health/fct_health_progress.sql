{{ sector_progress('health') }}
