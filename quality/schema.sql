-- Quality results with history. Owned by quality/.
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
