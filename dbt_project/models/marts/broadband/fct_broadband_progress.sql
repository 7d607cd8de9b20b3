{{ sector_progress('broadband') }}
