{{ sector_progress('pipelines') }}
