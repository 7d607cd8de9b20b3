{{ sector_progress('innovation') }}
