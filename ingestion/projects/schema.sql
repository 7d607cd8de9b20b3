-- The major-project library (新型基础设施重大项目库): which projects exist and which department
-- reports each. Loaded from the office's project list; `project code unknown to this department`
-- is checked against it. Write mode: replace by project_code (latest list wins), history kept in
-- raw.project_registry_loads.
create schema if not exists raw;

create table if not exists raw.project_registry (
    project_code varchar primary key,
    project_name varchar not null,
    sector varchar not null,
    department_code varchar not null,
    prefecture_code varchar not null,
    total_investment_yuan double not null,
    start_year integer,
    end_year integer,
    source_file_id varchar,
    loaded_at timestamp not null
);

-- One row per load of a project list (the latest load per file; the file is archived by sha256).
create table if not exists raw.project_registry_loads (
    file_id varchar primary key,          -- sha256 of the list's bytes
    original_name varchar not null,       -- as received; never used as a path
    archive_path varchar not null,        -- archive/<sha[:2]>/<sha>.<ext>, relative to NEWINFRA_HOME
    loaded_at timestamp not null,         -- UTC
    rows_loaded integer not null,
    rows_new integer not null,
    rows_replaced integer not null
);
