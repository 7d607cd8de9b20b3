{{ sector_indicator_monthly('broadband') }}
