-- Quality results with history. Owned by quality/. Append-only: every `newinfra check` adds one
-- run (run_id) with one row per check; the report reads the latest run of its period.
create schema if not exists quality;

create table if not exists quality.check_results (
    run_id varchar not null,
    period varchar,
    contract varchar not null,            -- path of the contract, e.g. newinfra/raw/submission_values
    dataset varchar not null,
    check_name varchar not null,
    check_type varchar,
    outcome varchar not null,             -- passed | failed | warned | error
    is_blocking boolean not null,
    observed_value double,
    threshold varchar,
    message varchar,
    checked_at timestamp not null
);

-- Added by the quality runner (idempotent on an existing warehouse).
alter table quality.check_results add column if not exists check_label varchar;   -- the check's name, for people
alter table quality.check_results add column if not exists column_name varchar;   -- null for a dataset check
alter table quality.check_results add column if not exists diagnostics varchar;   -- JSON of Soda's diagnostic metrics
