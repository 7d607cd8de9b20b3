"""newinfra core: settings, the warehouse connection and write lock, the plan as data, the CLI.

Kept small on purpose: the parts of the data flow live in ``ingestion/``, ``quality/`` and
``exports/``; this package only holds what all of them share.
"""

__version__ = "0.1.0"
