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
