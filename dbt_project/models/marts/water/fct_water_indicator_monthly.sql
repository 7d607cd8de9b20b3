{{ sector_indicator_monthly('water') }}
