{{ sector_indicator_monthly('health') }}
