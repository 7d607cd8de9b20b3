"""The shipped sources.yml fetched over real HTTP from 127.0.0.1, with the server misbehaving on
purpose: each misbehaviour fails only its own source, with a clear error, and loads nothing from
that fetch; the other sources still load."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from ingestion.public_stats import fetch_sources
from newinfra import db

TELECOM, YEARBOOK, HEALTH = "/telecom_monthly.csv", "/stats_yearbook.xlsx", "/health_telemedicine.json"
ROWS = {
    "telecom_monthly": (1260, 1224, 36),
    "stats_yearbook": (15, 15, 0),
    "health_telemedicine": (36, 36, 0),
}


def _by_name(results):
    return {r.name: r for r in results}


def _query(settings, sql, params=()):
    with db.reader(settings) as con:
        return con.execute(sql, list(params)).fetchall()


def _assert_loaded(settings, result):
    total, loaded, unmapped = ROWS[result.name]
    assert result.status == "loaded", (result.error_zh, result.error_en)
    assert (result.rows_total, result.rows_loaded, result.rows_unmapped) == (total, loaded, unmapped)
    assert _query(
        settings, "select count(*) from raw.public_observations where fetch_id = ?", [result.fetch_id]
    ) == [(loaded,)]


def _assert_failed_and_nothing_loaded(settings, result, error_code):
    assert result.status == "failed" and not result.ok
    codes = (error_code,) if isinstance(error_code, str) else error_code
    assert result.error_code in codes
    assert (
        result.error_zh
        and result.error_en
        and result.name in (result.error_en + result.error_zh + result.location)
    )
    assert (result.rows_total, result.rows_loaded, result.rows_new, result.rows_changed) == (0, 0, 0, 0)
    # nothing from this source at all (these tests start from an empty raw.public_observations)
    assert _query(
        settings, "select count(*) from raw.public_observations where source_name = ?", [result.name]
    ) == [(0,)]
    assert _query(
        settings, "select count(*) from raw.public_rejections where fetch_id = ?", [result.fetch_id]
    ) == [(0,)]
    row = _query(
        settings,
        "select status, error_code, error_zh, error_en, rows_total from raw.public_fetches where fetch_id = ?",
        [result.fetch_id],
    )
    assert row == [("failed", result.error_code, result.error_zh, result.error_en, 0)]


def test_every_source_loads_over_http_with_provenance(http_settings, server):
    results = _by_name(fetch_sources(http_settings))
    assert list(results) == ["telecom_monthly", "stats_yearbook", "health_telemedicine"]
    for result in results.values():
        _assert_loaded(http_settings, result)
        assert result.http_status == 200 and result.attempts == 1
        assert result.location == f"{server.base_url}/{result.location.rsplit('/', 1)[1]}"
    telecom = results["telecom_monthly"]
    served = server.files[TELECOM]
    assert telecom.file_sha256 == hashlib.sha256(served).hexdigest()
    archived = http_settings.home / telecom.archive_path
    assert telecom.archive_path == f"archive/public/{telecom.file_sha256[:2]}/{telecom.file_sha256}.csv"
    assert archived.read_bytes() == served
    # provenance of one figure: 2024年12月, 贵阳市, 5G基站数
    rows = _query(
        http_settings,
        """
        select source_name, publisher, value, observation_version, location, file_sha256, fetched_at is not null,
            original_label, original_prefecture, original_period, value_as_written, unit_as_written, is_synthetic
        from raw.public_observations
        where indicator_id = 'g5_base_stations' and prefecture_code = 'GY' and period = '2024-12'
        """,
    )
    assert len(rows) == 1
    (
        source,
        publisher,
        value,
        version,
        location,
        sha,
        has_time,
        label,
        pref,
        period,
        written,
        unit,
        synthetic,
    ) = rows[0]
    assert (source, publisher, version, location, sha) == (
        "telecom_monthly", "贵州省通信管理局", 1, f"{server.base_url}{TELECOM}", telecom.file_sha256,
    )  # fmt: skip
    assert has_time and synthetic
    assert (label, pref, period, unit) == ("5G基站数", "贵阳市", "2024年12月", "万个")
    assert value == float(Decimal(written) * 10000)
    # the yearbook's unit row and scale: 亿元 -> yuan, a year -> YYYY-12
    assert _query(
        http_settings,
        "select count(*), min(period), max(period) from raw.public_observations "
        "where source_name = 'stats_yearbook' and indicator_id = 'key_project_investment'",
    ) == [(3, "2022-12", "2024-12")]
    # unmapped rows are kept and counted, never dropped silently
    assert _query(
        http_settings,
        "select reason_code, count(*) from raw.public_rejections where fetch_id = ? group by 1",
        [telecom.fetch_id],
    ) == [("unknown_indicator", 36)]


def test_a_500_is_retried_and_then_succeeds(http_settings, server):
    server.misbehave(TELECOM, "500")
    results = _by_name(fetch_sources(http_settings))
    _assert_loaded(http_settings, results["telecom_monthly"])
    assert results["telecom_monthly"].attempts == 2 and len(server.hits(TELECOM)) == 2


def test_a_500_that_persists_fails_that_source_only(http_settings, server):
    server.misbehave(TELECOM, "500", "500")  # NEWINFRA_HTTP_RETRIES=1: two attempts in all
    results = _by_name(fetch_sources(http_settings))
    failed = results["telecom_monthly"]
    _assert_failed_and_nothing_loaded(http_settings, failed, "http_error")
    assert failed.http_status == 500 and failed.attempts == 2 and len(server.hits(TELECOM)) == 2
    assert "HTTP 500" in failed.error_zh and "HTTP 500" in failed.error_en
    assert failed.file_sha256 is None  # an error page is not the source's data: not archived
    _assert_loaded(http_settings, results["stats_yearbook"])
    _assert_loaded(http_settings, results["health_telemedicine"])


def test_a_404_is_not_retried(http_settings, server):
    server.files.pop(HEALTH)
    results = _by_name(fetch_sources(http_settings))
    _assert_failed_and_nothing_loaded(http_settings, results["health_telemedicine"], "http_error")
    assert results["health_telemedicine"].attempts == 1 and len(server.hits(HEALTH)) == 1
    _assert_loaded(http_settings, results["telecom_monthly"])


def test_a_slow_response_past_the_read_timeout_fails_that_source_only(http_settings, server):
    # the server waits 3 s; the read timeout is 0.5 s; both attempts time out
    server.misbehave(YEARBOOK, "slow", "slow")
    results = _by_name(fetch_sources(http_settings))
    failed = results["stats_yearbook"]
    _assert_failed_and_nothing_loaded(http_settings, failed, "timeout")
    assert failed.attempts == 2 and "超时" in failed.error_zh and "timeout" in failed.error_en
    _assert_loaded(http_settings, results["telecom_monthly"])
    _assert_loaded(http_settings, results["health_telemedicine"])


def test_a_slow_response_once_is_retried(http_settings, server):
    server.misbehave(HEALTH, "slow")
    results = _by_name(fetch_sources(http_settings, names=["health_telemedicine"]))
    _assert_loaded(http_settings, results["health_telemedicine"])
    assert results["health_telemedicine"].attempts == 2


def test_conditional_request_gets_304_and_loads_nothing(http_settings, server):
    first = _by_name(fetch_sources(http_settings))
    assert all(r.status == "loaded" for r in first.values())
    n_obs = _query(http_settings, "select count(*) from raw.public_observations")
    second = _by_name(fetch_sources(http_settings))
    for name, result in second.items():
        assert result.status == "not_modified" and result.ok, name
        assert result.http_status == 304 and result.file_sha256 is None and result.rows_total == 0
    last = server.hits(TELECOM)[-1]
    assert last["if-none-match"] == '"' + hashlib.sha256(server.files[TELECOM]).hexdigest()[:16] + '"'
    assert last["if-modified-since"] == "Tue, 31 Dec 2024 08:00:00 GMT"
    assert _query(http_settings, "select count(*) from raw.public_observations") == n_obs
    assert _query(http_settings, "select status, count(*) from raw.public_fetches group by 1 order by 1") == [
        ("loaded", 3),
        ("not_modified", 3),
    ]
    # --force sends no conditional headers; the same bytes -> unchanged, nothing written
    forced = _by_name(fetch_sources(http_settings, names=["health_telemedicine"], force=True))
    assert forced["health_telemedicine"].status == "unchanged"
    assert "if-none-match" not in server.hits(HEALTH)[-1]
    assert _query(http_settings, "select count(*) from raw.public_observations") == n_obs


def test_a_body_shorter_than_its_content_length_fails(http_settings, server):
    server.misbehave(TELECOM, "truncate")
    results = _by_name(fetch_sources(http_settings))
    failed = results["telecom_monthly"]
    _assert_failed_and_nothing_loaded(http_settings, failed, "truncated")
    assert failed.attempts == 1 and "不完整" in failed.error_zh and "incomplete" in failed.error_en
    # what did arrive is archived as evidence, and that is all
    assert (http_settings.home / failed.archive_path).read_bytes() == server.files[TELECOM][
        : len(server.files[TELECOM]) // 2
    ]
    _assert_loaded(http_settings, results["stats_yearbook"])
    _assert_loaded(http_settings, results["health_telemedicine"])


@pytest.mark.parametrize(
    ("path", "name", "code"),
    # the zip check catches the xlsx; the JSON fails to decode (a character cut in two) or to parse
    [
        (YEARBOOK, "stats_yearbook", "truncated"),
        (HEALTH, "health_telemedicine", ("truncated", "parse_error")),
    ],
)
def test_a_file_cut_in_half_with_an_honest_length_fails_at_parsing(http_settings, server, path, name, code):
    server.misbehave(path, "half")
    results = _by_name(fetch_sources(http_settings))
    failed = results[name]
    _assert_failed_and_nothing_loaded(http_settings, failed, code)
    assert failed.http_status == 200 and failed.file_sha256 is not None  # archived before parsing
    assert (http_settings.home / failed.archive_path).stat().st_size == len(server.files[path]) // 2
    _assert_loaded(http_settings, results["telecom_monthly"])


def test_a_wrong_content_type_fails_that_source_only(http_settings, server):
    server.misbehave(HEALTH, "html")
    results = _by_name(fetch_sources(http_settings))
    failed = results["health_telemedicine"]
    _assert_failed_and_nothing_loaded(http_settings, failed, "content_type")
    assert "text/html" in failed.error_zh and "text/html" in failed.error_en and failed.attempts == 1
    _assert_loaded(http_settings, results["telecom_monthly"])
    _assert_loaded(http_settings, results["stats_yearbook"])


def test_a_changed_figure_is_a_new_version_and_a_failed_fetch_changes_nothing(http_settings, server):
    fetch_sources(http_settings)
    old = "2024年12月,全省,5G基站数,万个,"
    text = server.files[TELECOM].decode("utf-8-sig")
    start = text.index(old) + len(old)
    end = text.index("\r\n", start)
    old_value = text[start:end]
    changed = (text[:start] + "17.50" + text[end:]).encode("utf-8-sig")
    assert old_value != "17.50"

    # the changed file arrives mislabelled first: nothing of it is loaded
    server.files[TELECOM] = changed
    server.misbehave(TELECOM, "html")
    failed = _by_name(fetch_sources(http_settings, names=["telecom_monthly"]))["telecom_monthly"]
    assert failed.status == "failed"
    assert _query(
        http_settings,
        "select max(observation_version) from raw.public_observations where source_name = 'telecom_monthly'",
    ) == [(1,)]

    # then properly: exactly the one changed figure gets version 2, version 1 stays
    result = _by_name(fetch_sources(http_settings, names=["telecom_monthly"]))["telecom_monthly"]
    assert result.status == "loaded" and (result.rows_new, result.rows_changed) == (0, 1)
    assert _query(
        http_settings,
        "select observation_version, value, fetch_id = ? from raw.public_observations "
        "where source_name = 'telecom_monthly' and indicator_id = 'g5_base_stations' and prefecture_code = 'GZ' "
        "and period = '2024-12' order by 1",
        [result.fetch_id],
    ) == [(1, float(Decimal(old_value) * 10000), False), (2, 175000.0, True)]
    assert _query(
        http_settings, "select count(*) from raw.public_observations where fetch_id = ?", [result.fetch_id]
    ) == [(1,)]
