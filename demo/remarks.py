"""The demo's remarks (备注) and contacts (填报人 / 联系电话): what a department types beside its figures.

Pure functions of (seed, department, period, rows): one ``random.Random`` per decision, seeded with a
string naming it, as in ``demo/scenario.py``. Everything is synthetic (示例数据).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from demo import settings as S


def contact(seed: int, department_code: str, period: str, departments: Iterable[str]) -> dict[str, str]:
    """填报人 and 联系电话 of ``department_code``'s file for ``period``: one person per department, a new
    one from ``CONTACT_CHANGE_PERIOD`` for some; a few departments write no area code (flagged)."""
    changes = random.Random(f"{seed}|contact-change|{department_code}").random() < S.CONTACT_CHANGE_SHARE
    era = 1 if changes and period >= S.CONTACT_CHANGE_PERIOD else 0
    rng = random.Random(f"{seed}|contact|{department_code}|{era}")
    name = rng.choice(S.CONTACT_SURNAMES) + rng.choice(S.CONTACT_GIVEN_NAMES)
    number = f"8{rng.randint(0, 9_999_999):07d}"
    bad = set(
        random.Random(f"{seed}|contact-bad-phone").sample(
            sorted(departments), S.CONTACT_BAD_PHONE_DEPARTMENTS
        )
    )
    phone = number if department_code in bad else f"{S.CONTACT_AREA_CODE}-{number}"
    return {"contact_name": name, "contact_phone": phone}


def indicator_remarks(
    seed: int, department_code: str, period: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """(indicator_id, prefecture_code) -> 备注, for a share of the rows."""
    rng = random.Random(f"{seed}|remarks|{department_code}|{period}")
    out = {}
    for key in sorted(keys):
        if rng.random() < S.INDICATOR_REMARK_SHARE:
            out[key] = rng.choice(S.INDICATOR_REMARKS)
    return out


def project_remark(seed: int, project_code: str, period: str, status: str) -> str | None:
    """The 备注 of a project row, for a share of the rows; None for the others."""
    rng = random.Random(f"{seed}|project-remark|{project_code}|{period}")
    if rng.random() >= S.PROJECT_REMARK_SHARE:
        return None
    return rng.choice(S.PROJECT_REMARKS.get(status) or S.PROJECT_REMARKS["under_construction"])
