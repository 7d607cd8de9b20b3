"""What the ingestion parts share: reading a received file safely (``files``), the reason a file is
refused (``reasons``), cells and numbers as people write them (``cells``, ``numbers``) and the
plan's sector labels (``sectors``). Imports only the standard library (see docs/architecture.md)."""
