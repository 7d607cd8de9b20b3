"""The indicator portal: a static site of every indicator, department and the dbt docs, built from
the published analysts' copy after each publication (docs/portal.md).

A part like ``exports``: it reads the published marts only and imports the core (``newinfra``),
never the composition layer.
"""

from portal.build import PortalResult, build_portal

__all__ = ["PortalResult", "build_portal"]
