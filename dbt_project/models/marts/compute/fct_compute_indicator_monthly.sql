{{ sector_indicator_monthly('compute') }}
