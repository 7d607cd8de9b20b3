"""The quality runner: verify every contract with Soda Core against the warehouse (read-only), then
record each check in quality.check_results (append-only, one run_id per run).

Order matters for DuckDB's lock: under the warehouse write lock (so no writer of ours is active),
Soda opens the file read-only and verifies all contracts in ONE session over ONE connection;
the connection is closed, and only then are the results written through ``db.writer``.
"""

from __future__ import annotations

import os

# Soda's telemetry is a singleton created when soda_core.contracts is imported; with no network
# each run would stall on retries to collect.soda.io. Off, before any import of soda_core.
os.environ["SODA_CORE_TELEMETRY_ENABLED"] = "false"

import datetime as dt  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import duckdb  # noqa: E402
import yaml  # noqa: E402

from newinfra import db  # noqa: E402
from newinfra.errors import PlatformError  # noqa: E402
from newinfra.periods import parse_period, previous_period, report_period_for_run  # noqa: E402
from newinfra.progress import Progress  # noqa: E402
from newinfra.settings import Settings  # noqa: E402
from quality import settings as S  # noqa: E402
from quality.helpers import (  # noqa: E402
    COLUMNS,
    CheckRecord,
    CheckRun,
    Contract,
    append_detail,
    check_key,
    contract_variables,
    contract_yaml,
    diagnostics_json,
    discover_contracts,
    is_blocking,
    message_for,
    missing_dataset_message,
    new_run_id,
    schema_detail,
    threshold_text,
    to_float,
)

#: Contracts per Soda session when progress is shown (one session for all is a little faster).
CONTRACTS_PER_SESSION = 5


def run_checks(
    settings: Settings,
    period: str | None = None,
    contracts: list[Contract] | None = None,
    progress: Callable[..., Progress] | None = None,
) -> CheckRun:
    """Verify every contract (or ``contracts``) for ``period`` and record the results.

    ``period`` ('YYYY-MM') is what ``${var.period}`` means in the contracts ("the reporting period
    is present"); by default the latest period with a loaded submission, or, with none, the period
    a report run today would cover. A contract whose dataset does not exist (a mart before the
    first build) gives one blocking ``dataset_exists`` error. Returns the run; ``run.is_blocked``
    is true when any blocking check failed or errored. Raises PlatformError when the warehouse
    cannot be opened or a contract file is malformed. ``progress`` (a ``newinfra.progress``
    factory) shows the contracts as they are verified, a few per Soda session.
    """
    if period is not None:
        parse_period(period)
    contracts = discover_contracts() if contracts is None else contracts
    started = time.perf_counter()
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = new_run_id(checked_at, uuid.uuid4().hex[:6])
    with db.write_lock(settings):
        existing, latest_period = _inspect_warehouse(settings)
        if period is None:
            period = latest_period or report_period_for_run(_today(settings))
        variables = contract_variables(period, previous_period(period), settings.reconciliation_threshold)
        present = [c for c in contracts if (c.schema, c.table) in existing]
        by_contract = _verify(settings, present, variables, run_id, period, checked_at, progress)
        records: list[CheckRecord] = []
        for contract in contracts:
            if contract.contract_id in by_contract:
                records.extend(by_contract[contract.contract_id])
            else:
                records.append(_missing_dataset_record(contract, run_id, period, checked_at))
        _write(settings, records)
    return CheckRun(
        run_id=run_id,
        period=period,
        checked_at=checked_at,
        results=records,
        n_contracts=len(contracts),
        duration_s=time.perf_counter() - started,
    )


def latest_results(settings_or_con: Settings | duckdb.DuckDBPyConnection, period: str) -> list[CheckRecord]:
    """The records of the latest run for ``period`` (blocking problems first), or [] if none.

    Takes the settings (opens the warehouse read-only) or an open DuckDB connection (e.g. the
    exporter's snapshot).
    """
    if isinstance(settings_or_con, Settings):
        with db.reader(settings_or_con) as con:
            return _latest(con, period)
    return _latest(settings_or_con, period)


# Internals ----------------------------------------------------------------------------------------


def _today(settings: Settings) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(settings.timezone)).date()


def _inspect_warehouse(settings: Settings) -> tuple[set[tuple[str, str]], str | None]:
    """The (schema, table) pairs that exist (tables and views), and the latest loaded period."""
    try:
        return _inspect(settings)
    except duckdb.Error as exc:
        raise PlatformError(
            f"质量检查无法以只读方式打开仓库（可能有其他进程正在写入）：{settings.warehouse}：{exc}",
            f"quality checks could not open the warehouse read-only (another writer?): {exc}",
        ) from exc


def _inspect(settings: Settings) -> tuple[set[tuple[str, str]], str | None]:
    with db.reader(settings) as con:
        existing = {
            (schema, table)
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        latest = None
        if ("raw", "submission_files") in existing:
            placeholders = ", ".join("?" for _ in S.LOADED_STATUSES)
            row = con.execute(
                f"select max(period) from raw.submission_files where status in ({placeholders})",
                list(S.LOADED_STATUSES),
            ).fetchone()
            latest = row[0] if row and row[0] else None
    if latest is not None:
        try:
            parse_period(latest)
        except Exception:  # a malformed period in the ledger is a check's business, not ours
            latest = None
    return existing, latest


def _datasource_yaml(settings: Settings) -> str:
    doc = yaml.safe_load(S.DATASOURCE_FILE.read_text(encoding="utf-8"))
    doc["connection"]["database"] = str(settings.warehouse)
    doc["connection"]["read_only"] = True
    return yaml.safe_dump(doc, allow_unicode=True)


def _verify(
    settings: Settings,
    contracts: list[Contract],
    variables: dict[str, Any],
    run_id: str,
    period: str,
    checked_at: dt.datetime,
    progress: Callable[..., Progress] | None = None,
) -> dict[str, list[CheckRecord]]:
    """Run Soda over ``contracts`` (one session, or a few contracts per session when someone watches
    the progress); records per contract id."""
    if not contracts:
        return {}
    from soda_core.common.data_source_impl import DataSourceImpl
    from soda_core.common.yaml import ContractYamlSource, DataSourceYamlSource
    from soda_core.contracts.contract_verification import ContractVerificationSession

    data_source = DataSourceImpl.from_yaml_source(DataSourceYamlSource.from_str(_datasource_yaml(settings)))
    try:
        data_source.open_connection()
    except Exception as exc:
        raise PlatformError(
            f"质量检查无法以只读方式打开仓库（可能有其他进程正在写入）：{settings.warehouse}：{exc}",
            f"quality checks could not open the warehouse read-only (another writer?): {exc}",
        ) from exc

    def verify(batch: list[Contract]) -> list[Any]:
        session = ContractVerificationSession.execute(
            contract_yaml_sources=[
                ContractYamlSource.from_str(contract_yaml(c), file_path=str(c.path)) for c in batch
            ],
            data_source_impls=[data_source],
            variables=variables,
        )
        return list(session.contract_verification_results)

    out: dict[str, list[CheckRecord]] = {}
    results: list[Any] = []

    def verify_batch(batch: list[Contract]) -> None:
        try:
            results.extend(verify(batch))
        except Exception:
            # Soda isolates a broken contract within a session of several, but raises when the session
            # holds just one (abort_on_first_error): verify one by one, and record what raised.
            for contract in batch:
                try:
                    results.extend(verify([contract]))
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    out[contract.contract_id] = [
                        _contract_error(contract, run_id, period, checked_at, [error])
                    ]

    try:
        if progress is None:
            verify_batch(contracts)
        else:
            with progress("质量检查 check", len(contracts), unit="合同 contracts") as shown:
                for start in range(0, len(contracts), CONTRACTS_PER_SESSION):
                    batch = contracts[start : start + CONTRACTS_PER_SESSION]
                    shown.set_current(batch[0].contract_id)
                    verify_batch(batch)
                    shown.advance(len(batch), item=batch[-1].contract_id)
    finally:
        data_source.close_connection()

    by_path = {str(c.path): c for c in contracts}
    for result in results:
        contract = by_path.get(result.check_collection.source.local_file_path or "")
        if contract is None:  # cannot happen: every source came from a file
            continue
        out[contract.contract_id] = _records_of(result, contract, run_id, period, checked_at)
    for contract in contracts:  # a contract Soda dropped silently is an error, not a pass
        out.setdefault(
            contract.contract_id,
            [_contract_error(contract, run_id, period, checked_at, ["no result from Soda"])],
        )
    return out


def _records_of(
    result: Any, contract: Contract, run_id: str, period: str, checked_at: dt.datetime
) -> list[CheckRecord]:
    errors = result.get_errors()
    if result.error is not None:
        errors = [*errors, str(result.error)]
    records = []
    for check_result in result.check_results:
        check = check_result.check
        outcome = S.SODA_OUTCOMES.get(check_result.outcome.name, S.ERROR)
        if outcome == S.ERROR and check_result.outcome.name != "NOT_EVALUATED":
            continue  # EXCLUDED: not selected (the runner selects none)
        observed = to_float(check_result.threshold_value)
        threshold = threshold_text(check.threshold, check.warn_threshold)
        message = message_for(outcome, observed, threshold, errors)
        if outcome in (S.FAILED, S.WARNED):
            message = append_detail(message, _schema_detail(check_result))
        records.append(
            CheckRecord(
                run_id=run_id,
                period=period,
                contract=contract.contract_id,
                dataset=contract.dataset,
                check_name=check_key(check.type, check.column_name, check.qualifier),
                check_label=check.name or check.type,
                check_type=check.type,
                column_name=check.column_name,
                outcome=outcome,
                is_blocking=is_blocking(check.threshold, check.warn_threshold),
                observed_value=observed,
                threshold=threshold,
                message=message,
                diagnostics=diagnostics_json(check_result.diagnostic_metric_values),
                checked_at=checked_at,
            )
        )
    if errors and not any(r.outcome == S.ERROR for r in records):
        # An error Soda could not pin on a check (a bad variable, a YAML mistake): the contract
        # as a whole did not run as written, so it blocks.
        records.append(_contract_error(contract, run_id, period, checked_at, errors))
    return records


def _schema_detail(check_result: Any) -> str:
    """What a failed schema check found (Soda keeps it on the result, not in the diagnostics)."""
    missing = list(getattr(check_result, "expected_column_names_not_actual", None) or [])
    extra = list(getattr(check_result, "actual_column_names_not_expected", None) or [])
    mismatches = [
        f"{m.column} {m.get_expected()}->{m.get_actual()}"
        for m in getattr(check_result, "column_data_type_mismatches", None) or []
    ]
    return schema_detail(missing, extra, mismatches)


def _error_record(
    contract: Contract,
    run_id: str,
    period: str,
    checked_at: dt.datetime,
    check: str,
    label: str,
    message: str,
) -> CheckRecord:
    """A blocking error for a whole contract (it could not run, or its dataset is missing)."""
    return CheckRecord(
        run_id=run_id,
        period=period,
        contract=contract.contract_id,
        dataset=contract.dataset,
        check_name=check,
        check_label=label,
        check_type=check,
        column_name=None,
        outcome=S.ERROR,
        is_blocking=True,
        observed_value=None,
        threshold="",
        message=message,
        diagnostics="{}",
        checked_at=checked_at,
    )


def _contract_error(
    contract: Contract, run_id: str, period: str, checked_at: dt.datetime, errors: list[str]
) -> CheckRecord:
    message = message_for(S.ERROR, None, "", errors)
    return _error_record(
        contract, run_id, period, checked_at, S.CONTRACT_CHECK, "合约可执行 / contract runs", message
    )


def _missing_dataset_record(
    contract: Contract, run_id: str, period: str, checked_at: dt.datetime
) -> CheckRecord:
    return _error_record(
        contract,
        run_id,
        period,
        checked_at,
        S.DATASET_EXISTS_CHECK,
        "数据集存在 / dataset exists",
        missing_dataset_message(contract),
    )


def _write(settings: Settings, records: list[CheckRecord]) -> None:
    if not records:
        return
    columns = ", ".join(COLUMNS)
    placeholders = ", ".join("?" for _ in COLUMNS)
    rows = [tuple(getattr(r, c) for c in COLUMNS) for r in records]
    with db.writer(settings) as con:
        con.execute(S.SCHEMA_FILE.read_text(encoding="utf-8"))
        con.execute("begin")
        try:
            con.executemany(f"insert into quality.check_results ({columns}) values ({placeholders})", rows)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise


_OUTCOME_ORDER = "case outcome when 'error' then 0 when 'failed' then 1 when 'warned' then 2 else 3 end"


def _latest(con: duckdb.DuckDBPyConnection, period: str) -> list[CheckRecord]:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'quality' and table_name = 'check_results'"
    ).fetchone()[0]
    if not exists:
        return []
    present = {row[0] for row in con.execute("describe quality.check_results").fetchall()}
    select = ", ".join(c if c in present else f"null as {c}" for c in COLUMNS)
    rows = con.execute(
        f"""
        with latest_run as (
            select run_id
            from quality.check_results
            where period = ?
            group by run_id
            order by max(checked_at) desc, run_id desc
            limit 1
        )
        select {select}
        from quality.check_results
        where run_id = (select run_id from latest_run)
        order by is_blocking and outcome in ('failed', 'error') desc, {_OUTCOME_ORDER}, contract, check_name
        """,
        [period],
    ).fetchall()
    records = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        values["check_label"] = values["check_label"] or values["check_name"]
        values["diagnostics"] = values["diagnostics"] or "{}"
        records.append(CheckRecord(**values))
    return records
