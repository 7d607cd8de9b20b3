-- Raw tables of department submissions. Owned by ingestion/submissions; created by `newinfra init`.
-- Write mode: append-only. A revision is a new file with a higher `version`; nothing is deleted,
-- dbt picks the latest accepted value per department x period x indicator x prefecture.
create schema if not exists raw;

-- The ledger: one row per received file (every file, whatever became of it).
-- file_id is the sha256 of the bytes for their first receipt. The same bytes received again get a
-- receipt id (sha256 of 'receipt|<sha>|<sender>|<name>|<received_at>'): status duplicate when they
-- were loaded before (duplicate_of = that file_id), or processed afresh when the earlier receipt was
-- quarantined for another sender (e.g. dropped at the landing root, then loaded by hand).
-- received_at (UTC) is the platform's clock: the scan that first found the file complete
-- (received_at_source 'scan'), or a recorded declaration for a backlog the scan never saw (an upload
-- log or manifest in NEWINFRA_HOME/arrivals/, the demo's upload log, `ingest --received-at`):
-- 'declared', with its basis. sender_mtime is the file's mtime, set by the sender: information only.
-- is_late: its local date (NEWINFRA_TIMEZONE) is after periods.due_date(period, NEWINFRA_ON_TIME_DAYS).
-- rows_total = rows_accepted + rows_rejected for every row.
create table if not exists raw.submission_files (
    file_id varchar primary key,          -- sha256 of the bytes, hex (a receipt id for a re-receipt: below)
    content_sha256 varchar,               -- sha256 of the bytes, hex, for every row
    original_name varchar not null,       -- as received; never used as a path
    archive_path varchar not null,        -- archive/<sha[:2]>/<sha>.<ext>, relative to NEWINFRA_HOME
    sender_department_code varchar,       -- the landing folder (or --department), i.e. who sent it
    department_code varchar,              -- from the file's metadata
    period varchar,                       -- YYYY-MM, from the file's metadata
    template_version varchar,
    file_format varchar not null,         -- xlsx | csv | bin
    file_encoding varchar,                -- csv: utf-8 | utf-8-sig | gb18030 (as detected); xlsx: null
    received_at timestamp not null,       -- UTC
    version integer,                      -- 1, 2, ... per department x period among loaded files
    status varchar not null,              -- loaded | partially_loaded | quarantined | duplicate | blank
    quarantine_reason_code varchar,
    quarantine_reason_zh varchar,
    quarantine_reason_en varchar,
    rows_total integer not null default 0,
    rows_accepted integer not null default 0,
    rows_rejected integer not null default 0,
    rows_flagged integer not null default 0,  -- accepted but flagged (e.g. cumulative value fell)
    is_late boolean,
    is_after_publication boolean,
    duplicate_of varchar,                 -- for status = duplicate: the file_id first seen
    feedback_path varchar                 -- relative to NEWINFRA_HOME
);

-- Accepted indicator values (rows of the indicator sheet).
create table if not exists raw.submission_values (
    file_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,          -- 1-based row in the sheet (or CSV line)
    department_code varchar not null,
    period varchar not null,
    indicator_id varchar not null,
    prefecture_code varchar not null,     -- GZ for a province row
    value double not null,                -- base units (15万 -> 150000)
    value_as_written varchar,
    is_flagged boolean not null default false,
    flag_reason_zh varchar,
    flag_reason_en varchar,
    primary key (file_id, sheet_name, row_number)
);

-- Accepted rows of the 重大项目进展 sheet. Money in yuan.
create table if not exists raw.submission_projects (
    file_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    department_code varchar not null,
    period varchar not null,
    project_code varchar not null,
    project_name varchar,
    sector varchar,
    prefecture_code varchar,
    total_investment_yuan double,
    completed_this_month_yuan double,
    cumulative_completed_yuan double,
    project_status varchar,               -- planned | under_construction | completed | suspended
    primary key (file_id, sheet_name, row_number)
);

-- Every rejected row (and every rejected cell), with the reason in Chinese and English.
create table if not exists raw.submission_rejections (
    file_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    column_name varchar,                  -- the header text people see (Chinese)
    column_letter varchar,                -- A, B, ... as in the sheet (or the CSV opened in Excel)
    value_as_written varchar,
    reason_code varchar not null,
    reason_zh varchar not null,
    reason_en varchar not null
);

-- Rows a department left empty (未填报): neither accepted nor rejected, outside rows_total; a file
-- whose every row is empty has status 'blank' (not a submission).
create table if not exists raw.submission_blanks (
    file_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    indicator_id varchar,                 -- an indicator row left empty
    prefecture_code varchar,
    project_code varchar,                 -- a listed project whose progress cells are empty
    primary key (file_id, sheet_name, row_number)
);

-- Columns added after the first release (a warehouse created earlier gets them here).
alter table raw.submission_files add column if not exists content_sha256 varchar;
alter table raw.submission_files add column if not exists file_encoding varchar;
alter table raw.submission_rejections add column if not exists column_letter varchar;
alter table raw.submission_files add column if not exists rows_blank integer default 0;  -- 未填报 rows
alter table raw.submission_values add column if not exists unit_as_written varchar;  -- an edited unit, converted exactly
alter table raw.submission_values add column if not exists note varchar;  -- 备注, cleaned (common.contacts)
alter table raw.submission_projects add column if not exists note varchar;  -- 备注, cleaned (common.contacts)
alter table raw.submission_files add column if not exists sender_mtime timestamp;  -- the file's mtime (sender's clock)
alter table raw.submission_files add column if not exists received_at_source varchar;  -- scan | declared
alter table raw.submission_files add column if not exists received_at_basis varchar;  -- a declaration's source
-- 填报人 / 联系电话 from the 填报说明 sheet (or a CSV's #填报人= / #联系电话= lines), per file. The phone is
-- normalised when it reads as a Chinese mobile or landline number (13812345678, 0851-86812345); otherwise
-- it is kept as written and contact_phone_flag_* says why (never completed or guessed).
alter table raw.submission_files add column if not exists contact_name varchar;
alter table raw.submission_files add column if not exists contact_phone varchar;
alter table raw.submission_files add column if not exists contact_phone_as_written varchar;
alter table raw.submission_files add column if not exists contact_phone_flag_zh varchar;
alter table raw.submission_files add column if not exists contact_phone_flag_en varchar;
-- 备注 of a row left empty (a reason for not reporting) and of a rejected row, cleaned as the values' note.
alter table raw.submission_blanks add column if not exists note varchar;
alter table raw.submission_rejections add column if not exists note varchar;
