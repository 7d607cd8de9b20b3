"""Composition: what runs the parts together — the ``newinfra`` command's registry, the whole monthly
cycle in one process, the local Airflow runner and the demo driver (``make demo``).

The top layer: it may import every part (``ingestion``, ``quality``, ``exports``, ``demo``) and the
core (``newinfra``); nothing below imports it. See docs/architecture.md.
"""
