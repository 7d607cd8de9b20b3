{{ sector_indicator_monthly('iot') }}
