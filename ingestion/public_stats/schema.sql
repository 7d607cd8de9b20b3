-- Published statistics (cross-check). Owned by ingestion/public_stats.
-- Write mode: append a new version only when a figure changed; unchanged re-fetches are no-ops.
create schema if not exists raw;

create table if not exists raw.public_fetches (
    fetch_id varchar primary key,
    source_name varchar not null,
    location varchar not null,            -- URL or local path
    fetched_at timestamp not null,
    status varchar not null,              -- loaded | not_modified | unchanged | failed
    http_status integer,
    file_sha256 varchar,
    archive_path varchar,
    rows_total integer not null default 0,
    rows_loaded integer not null default 0,
    error_zh varchar,
    error_en varchar,
    etag varchar,
    last_modified varchar
);

create table if not exists raw.public_observations (
    source_name varchar not null,
    publisher varchar,
    indicator_id varchar not null,
    prefecture_code varchar not null,
    period varchar not null,              -- YYYY-MM, or YYYY-12 for a yearly figure
    value double not null,                -- base units
    original_label varchar,
    location varchar not null,
    file_sha256 varchar not null,
    fetched_at timestamp not null,
    observation_version integer not null,
    is_synthetic boolean not null default false
);
