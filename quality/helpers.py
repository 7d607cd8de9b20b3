"""Pure parts of the quality runner: the contract list, the result records, and how a Soda check
result becomes a row of quality.check_results (key, outcome, blocking, threshold, message).

Nothing here imports soda_core (it costs ~1.4 s): Soda's objects are read by attribute.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newinfra.errors import PlatformError
from quality import settings as S


@dataclass(frozen=True)
class Contract:
    """One contract file: quality/contracts/<datasource>/<schema>/<table>.yml."""

    contract_id: str  # "newinfra/raw/submission_values" (the path, without .yml)
    path: Path
    datasource: str
    schema: str
    table: str
    template: Path | None = None  # contract_templates/<name>.yml when the file says `template: <name>`

    @property
    def dataset(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class CheckRecord:
    """One row of quality.check_results: one check of one contract in one run."""

    run_id: str
    period: str | None
    contract: str
    dataset: str
    check_name: str  # stable ASCII key, unique within the contract
    check_label: str  # the check's `name` in the contract, for people
    check_type: str  # schema | missing | invalid | duplicate | row_count | failed_rows | metric | ...
    column_name: str | None
    outcome: str  # passed | failed | warned | error
    is_blocking: bool
    observed_value: float | None
    threshold: str
    message: str
    diagnostics: str  # JSON of Soda's diagnostic metrics
    checked_at: dt.datetime

    @property
    def outcome_label_zh(self) -> str:
        return S.OUTCOME_LABELS_ZH.get(self.outcome, self.outcome)

    @property
    def full_name(self) -> str:
        """``contract :: check_name``, unique in a run (``schema`` alone is not)."""
        return f"{self.contract} :: {self.check_name}"

    @property
    def stops_export(self) -> bool:
        return self.is_blocking and self.outcome in (S.FAILED, S.ERROR)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


COLUMNS = tuple(CheckRecord.__dataclass_fields__)


@dataclass(frozen=True)
class CheckRun:
    """The result of one `newinfra check`: every check of every contract, as recorded."""

    run_id: str
    period: str | None
    checked_at: dt.datetime
    results: list[CheckRecord] = field(default_factory=list)
    n_contracts: int = 0
    duration_s: float = 0.0

    @property
    def blocking_failures(self) -> list[CheckRecord]:
        """Blocking checks that failed or could not run: these stop the export."""
        return [r for r in self.results if r.stops_export]

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocking_failures)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(S.OUTCOMES, 0)
        for r in self.results:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        return counts

    @property
    def n_checks(self) -> int:
        return len(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "period": self.period,
            "checked_at": self.checked_at.isoformat(),
            "n_contracts": self.n_contracts,
            "n_checks": self.n_checks,
            "counts": self.counts,
            "is_blocked": self.is_blocked,
            "duration_s": round(self.duration_s, 3),
            "blocking_failures": [r.full_name for r in self.blocking_failures],
            "results": [{**r.to_dict(), "checked_at": r.checked_at.isoformat()} for r in self.results],
        }


# Contracts -----------------------------------------------------------------------------------


def discover_contracts(root: Path = S.CONTRACTS_DIR) -> list[Contract]:
    """Every contract under ``root``, sorted; the path must mirror the contract's ``dataset``."""
    contracts = []
    for path in sorted(root.glob("*/*/*.yml")):
        rel = path.relative_to(root).with_suffix("")
        datasource, schema, table = rel.parts
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise PlatformError(
                f"质量检查合约不是有效的 YAML：{path}：{exc}", f"contract is not valid YAML: {path}: {exc}"
            ) from exc
        dataset = str(doc.get("dataset", ""))
        if dataset != rel.as_posix():
            raise PlatformError(
                f"合约 {path} 的 dataset 应为 {rel.as_posix()}，实为 {dataset!r}",
                f"contract {path}: dataset must be {rel.as_posix()} (its path), got {dataset!r}",
            )
        contracts.append(
            Contract(
                rel.as_posix(), path, datasource, schema, table, _template_path(path, doc.get("template"))
            )
        )
    return contracts


def _template_path(path: Path, name: Any) -> Path | None:
    if name is None:
        return None
    template = S.TEMPLATES_DIR / f"{name}.yml"
    if not isinstance(name, str) or "/" in name or not template.is_file():
        raise PlatformError(
            f"合约 {path} 引用的模板不存在：{name!r}（应为 {S.TEMPLATES_DIR}/<模板名>.yml）",
            f"contract {path}: no template {name!r} (expected {S.TEMPLATES_DIR}/<name>.yml)",
        )
    return template


def render_template(template: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    """A contract that says ``template: <name>``, as Soda reads it: the template's keys with the
    contract's ``dataset``; ``variables`` merged (the contract's win, e.g. a default for the
    template's ``sector``); the contract's ``columns`` and ``checks`` after the template's."""
    doc = {"dataset": contract["dataset"]}
    doc.update((key, value) for key, value in template.items() if key not in ("dataset", "template"))
    variables = {**(template.get("variables") or {}), **(contract.get("variables") or {})}
    if variables:
        doc["variables"] = variables
    for key in ("columns", "checks"):
        items = [*(template.get(key) or []), *(contract.get(key) or [])]
        if items:
            doc[key] = items
    return doc


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the SQL of the checks) as ``|`` blocks, so the rendered YAML reads as written."""


_BlockDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def contract_yaml(contract: Contract) -> str:
    """The YAML text Soda verifies for ``contract``: its file, or the file rendered with its template."""
    text = contract.path.read_text(encoding="utf-8")
    if contract.template is None:
        return text
    template = yaml.safe_load(contract.template.read_text(encoding="utf-8")) or {}
    doc = render_template(template, yaml.safe_load(text) or {})
    header = f"# {contract.path.name} rendered with the template {contract.template.name}\n"
    return header + yaml.dump(doc, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=1000)


def contract_document(contract: Contract) -> dict[str, Any]:
    """The contract Soda verifies, parsed (its checks, for tests and tools)."""
    return yaml.safe_load(contract_yaml(contract)) or {}


def contract_variables(
    period: str, previous_period: str, reconciliation_threshold: float
) -> dict[str, str | float]:
    """The variables every run passes; a contract that uses one declares it (`variables: {period: }`)."""
    return {
        S.VAR_PERIOD: period,
        S.VAR_PREVIOUS_PERIOD: previous_period,
        S.VAR_RECONCILIATION_THRESHOLD: float(reconciliation_threshold),
    }


# One Soda check result -> one record ------------------------------------------------------------

_COMPARISONS = (
    ("must_be", "="),
    ("must_not_be", "!="),
    ("must_be_greater_than", ">"),
    ("must_be_greater_than_or_equal", ">="),
    ("must_be_less_than", "<"),
    ("must_be_less_than_or_equal", "<="),
)


def fmt_number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def _comparisons(threshold: Any) -> str:
    parts = [
        f"{symbol} {fmt_number(getattr(threshold, attr, None))}"
        for attr, symbol in _COMPARISONS
        if getattr(threshold, attr, None) is not None
    ]
    return " and ".join(parts)


def _level(threshold: Any) -> str:
    return str(getattr(threshold, "level", "fail") or "fail").lower()


def threshold_text(threshold: Any, warn_threshold: Any = None) -> str:
    """What the observed value must satisfy, e.g. ``= 0``, ``warn: = 0``, ``> 0``,
    ``< 5; warn: = 0`` (fail unless < 5, warn unless = 0)."""
    parts = []
    for t in (threshold, warn_threshold):
        if t is None:
            continue
        text = _comparisons(t)
        if not text:
            continue
        parts.append(f"warn: {text}" if _level(t) == "warn" else text)
    return "; ".join(parts)


def is_blocking(threshold: Any, warn_threshold: Any = None) -> bool:
    """A check blocks unless the contract gives it a warn-level threshold only
    (``threshold: {must_be: 0, level: warn}``). Checks without a threshold (schema) block."""
    if threshold is None:
        return True
    return _level(threshold) != "warn"


def check_key(check_type: str, column_name: str | None, qualifier: str | None) -> str:
    """The stable key of a check within its contract: ``<column>.<qualifier or type>`` for a
    column check, ``<qualifier or type>`` for a dataset check (Soda itself requires a
    qualifier when a type repeats at one level, so the key is unique)."""
    base = qualifier or check_type
    return f"{column_name}.{base}" if column_name else base


def message_for(outcome: str, observed: float | None, threshold: str, errors: list[str] | None = None) -> str:
    obs = fmt_number(observed)
    if outcome == S.PASSED:
        text = f"通过，观测值 {obs} / passed, observed {obs}"
    elif outcome == S.FAILED:
        text = f"未通过：观测值 {obs}，要求 {threshold} / failed: observed {obs}, required {threshold}"
    elif outcome == S.WARNED:
        text = f"警告：观测值 {obs}，期望 {threshold} / warning: observed {obs}, expected {threshold}"
    else:
        text = f"检查未能执行 / the check could not run: {error_detail(errors)}"
    return text[: S.MESSAGE_MAX_CHARS]


_SODA_PREFIXES = ("Query execution failed, continuing with remaining checks: ",)


def error_detail(errors: list[str] | None) -> str:
    """Soda's error logs on one line each, without its boilerplate, at most ~600 characters."""
    lines = []
    for error in errors or []:
        text = " ".join(error.split())
        for prefix in _SODA_PREFIXES:
            text = text.removeprefix(prefix)
        if text and text not in lines:
            lines.append(text)
    return ("; ".join(lines) or "unknown error")[:600]


def schema_detail(missing: list[str], extra: list[str], mismatches: list[str]) -> str:
    parts = []
    if missing:
        parts.append(f"缺少列 missing columns: {', '.join(missing)}")
    if extra:
        parts.append(f"多出列 unexpected columns: {', '.join(extra)}")
    if mismatches:
        parts.append(f"类型不符 type mismatches: {', '.join(mismatches)}")
    return "; ".join(parts)


def append_detail(message: str, detail: str) -> str:
    return (f"{message} — {detail}" if detail else message)[: S.MESSAGE_MAX_CHARS]


def missing_dataset_message(contract: Contract) -> str:
    return (
        f"数据集 {contract.dataset} 不存在（尚未运行 newinfra build？）"
        f" / dataset {contract.dataset} does not exist (has `newinfra build` run?)"
    )


def diagnostics_json(diagnostics: dict[str, Any] | None) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        if isinstance(v, int | float | str | bool) or v is None:
            return v
        return str(v)

    return json.dumps(
        {k: clean(v) for k, v in (diagnostics or {}).items()}, ensure_ascii=False, sort_keys=True
    )


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def new_run_id(now: dt.datetime, suffix: str) -> str:
    """Sortable by time: ``20240706T101500123456Z-1a2b3c``."""
    return f"{now:%Y%m%dT%H%M%S%f}Z-{suffix}"
