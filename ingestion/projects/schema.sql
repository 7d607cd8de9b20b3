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
