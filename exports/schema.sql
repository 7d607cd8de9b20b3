-- Publication history: which package was published for which period, from which snapshot.
-- Ingestion reads it to flag revisions that arrive after publication.
create schema if not exists ops;

create table if not exists ops.report_publications (
    period varchar not null,
    published_at timestamp not null,
    package_path varchar not null,
    manifest_sha256 varchar not null,
    snapshot_id varchar,
    is_forced boolean not null default false
);

-- Sign-off (docs/report.md "审核与签发 / sign-off"): a build of a draft has no decision; a decision
-- row says approved (package_path / manifest_sha256 = the approved package, draft_sha256 = the
-- draft it was made from) or rejected (the draft's path and sha256, and the required reason).
alter table ops.report_publications add column if not exists decision varchar;
alter table ops.report_publications add column if not exists decided_by varchar;
alter table ops.report_publications add column if not exists decided_at timestamp;
alter table ops.report_publications add column if not exists reason varchar;
alter table ops.report_publications add column if not exists via varchar;
alter table ops.report_publications add column if not exists draft_sha256 varchar;
