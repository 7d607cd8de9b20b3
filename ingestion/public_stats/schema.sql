-- Published statistics (cross-check). Owned by ingestion/public_stats; sources in sources.yml.
-- Write mode: append-only. A fetch is one row in raw.public_fetches, whatever became of it. A figure
-- is written only when it is new or changed (observation_version + 1 per source x indicator x
-- prefecture x period); unchanged re-fetches write nothing but their fetch row. One transaction per
-- source: nothing from a failed fetch is written except its fetch row.
create schema if not exists raw;

-- One row per fetch attempt of one source (all retries of one run count as one fetch).
create table if not exists raw.public_fetches (
    fetch_id varchar primary key,
    source_name varchar not null,
    publisher varchar,
    location varchar not null,            -- URL, or path relative to the project root
    file_format varchar,                  -- csv | xlsx | json
    fetched_at timestamp not null,        -- UTC
    status varchar not null,              -- loaded | not_modified | unchanged | failed
    http_status integer,                  -- null for a local file
    content_type varchar,
    attempts integer not null default 0,
    file_sha256 varchar,                  -- of the body received (also kept for a failed, mistyped or cut body)
    archive_path varchar,                 -- archive/public/<sha[:2]>/<sha>.<ext>, relative to NEWINFRA_HOME
    rows_total integer not null default 0,     -- candidate rows = rows_loaded + rows_unmapped
    rows_loaded integer not null default 0,    -- mapped to our codes (new, changed or already there)
    rows_unmapped integer not null default 0,  -- see raw.public_rejections
    rows_new integer not null default 0,       -- written as version 1
    rows_changed integer not null default 0,   -- written as a new version of a changed figure
    error_code varchar,                   -- config_error | connect_failed | timeout | http_error | content_type
                                          -- | truncated | too_large | not_found | parse_error | structure_error
                                          -- | nothing_mapped
                                          -- | load_error
    error_zh varchar,
    error_en varchar,
    etag varchar,                         -- sent back as If-None-Match next time
    last_modified varchar,                -- sent back as If-Modified-Since next time
    is_synthetic boolean not null default false
);
-- Added for the real publishers (docs/public-stats.md); ALTER so that an existing home gains them.
-- rows_skipped: rows of regions outside mapping.keep_regions (a national table's other provinces).
-- final_url: where the redirects ended, when not the location. frequency: monthly | yearly.
-- error_code gains: error_page | login_page (content, not status) | publisher_error (NBS returncode).
alter table raw.public_fetches add column if not exists rows_skipped integer default 0;
alter table raw.public_fetches add column if not exists final_url varchar;
alter table raw.public_fetches add column if not exists frequency varchar;

-- What sources.yml declares, replaced whole by every `newinfra fetch-public` run (the health mart
-- shows declared sources that were never fetched, and disabled ones).
create table if not exists raw.public_sources (
    source_name varchar primary key,
    title_zh varchar,
    publisher varchar,
    location varchar,                     -- URL, or path relative to the project root
    file_format varchar,                  -- csv | xlsx | json | easyquery | html
    frequency varchar,                    -- monthly | yearly
    is_enabled boolean not null,
    is_synthetic boolean not null,
    max_age_months integer,               -- months the newest figure may lag the report month
    config_error_zh varchar,              -- set when the entry is misdeclared
    config_error_en varchar
);

create table if not exists raw.public_observations (
    source_name varchar not null,
    publisher varchar,
    indicator_id varchar not null,
    prefecture_code varchar not null,     -- GZ for the province
    period varchar not null,              -- YYYY-MM, or YYYY-12 for a yearly figure
    value double not null,                -- base units (8.12 万个 -> 81200)
    observation_version integer not null, -- 1, 2, ... per source x indicator x prefecture x period
    fetch_id varchar not null,            -- raw.public_fetches
    fetched_at timestamp not null,        -- UTC
    location varchar not null,            -- URL or path
    file_sha256 varchar not null,
    row_number integer not null,          -- sheet row / CSV line / JSON record (1-based)
    column_name varchar,                  -- the column the figure came from
    original_label varchar,               -- the row's label as published
    original_prefecture varchar,
    original_period varchar,
    value_as_written varchar,
    unit_as_written varchar,
    is_synthetic boolean not null default false,
    primary key (source_name, indicator_id, prefecture_code, period, observation_version)
);

-- Rows that could not be mapped to our codes (rows_unmapped), with the reason.
create table if not exists raw.public_rejections (
    fetch_id varchar not null,
    source_name varchar not null,
    row_number integer not null,
    column_name varchar,
    original_label varchar,
    value_as_written varchar,
    reason_code varchar not null,         -- unknown_indicator | unknown_prefecture | bad_period
                                          -- | missing_value | bad_value | unit_mismatch | duplicate
    reason_zh varchar not null,
    reason_en varchar not null
);
