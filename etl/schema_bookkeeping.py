"""Warehouse DDL of the ETL's bookkeeping (`etl.schema.ensure_schema` applies it with the rest): runs, the files they
read, the rows of last-row-wins feeds, the quarantine, the plans commissions were priced with, and `meta`."""

from __future__ import annotations

BOOKKEEPING = """
-- The plans each partner's commissions were last priced with (its own plan and its ancestors' overrides), so a plan
-- changed in the store reprices what is not final yet
create table if not exists plan_priced (
    partner_id  integer primary key,
    fingerprint varchar not null
);
create table if not exists etl_runs (
    run_id       integer primary key,
    started_at   timestamp not null,
    finished_at  timestamp,
    status       varchar not null,           -- running, ok, failed
    files        integer default 0,
    files_failed integer default 0,
    rows_read    bigint default 0,
    inserted     bigint default 0,
    updated      bigint default 0,
    duplicates   bigint default 0,
    quarantined  bigint default 0,
    commissions  bigint default 0,
    snapshot     varchar,
    error        varchar,
    warnings     varchar[]                   -- what the run said besides its counts (`etl run`'s warnings)
);
-- Manifest: a file is processed once per (path, sha256); rows_read = inserted + updated + duplicates + quarantined.
create table if not exists etl_files (
    file_id      integer primary key,
    run_id       integer not null,
    feed         varchar not null,
    path         varchar not null,           -- relative to the inbox
    sha256       varchar not null,
    size_bytes   bigint,
    status       varchar not null,           -- loaded, failed
    reason       varchar,
    unknown_columns varchar,
    rows_read    bigint default 0,
    inserted     bigint default 0,
    updated      bigint default 0,
    duplicates   bigint default 0,
    quarantined  bigint default 0,
    loaded_at    timestamp not null,
    mtime_ns     bigint,                     -- with path and size: an unchanged file is not hashed again
    ctime_ns     bigint,                     -- and its status: new content under an old mtime (`cp -p`) is seen
    checked_at   timestamp,                  -- when its hash was last found unchanged (a file read just after it
                                             -- landed is hashed once more, then trusted by its mtime)
    zoneless_column varchar,                 -- a text file's time column (ts, updated_at) whose first rows hold a
    zoneless_value  varchar                  -- time without a zone, and the first such value (`etl.zoneless`)
);
-- Per path of a feed whose last row wins (commissions, fx_rates): the rows its latest read held, so a version of the
-- file read again does not apply those it loaded again, and a row it quarantined applies, once valid, as of the read
-- that first quarantined it (`etl.feed_rows`); paths read before this table existed have none
create table if not exists feed_rows (
    path     varchar not null,
    file_id  integer not null,               -- the read these rows are of
    row_hash uhugeint not null,              -- md5 of the row's id and values as validated
    n        integer not null,               -- its occurrence among the file's rows of this hash (1, 2, ...)
    first_read integer                       -- a row this read quarantined: the read that first quarantined it
);
create table if not exists quarantine (
    run_id     integer not null,
    file_id    integer,
    feed       varchar not null,
    path       varchar,
    row_number bigint,                       -- 1-based data row (CSV: line number minus header)
    reason     varchar not null,             -- contract reason code, e.g. missing_field:ts, bad_timestamp
    raw        json,
    quarantined_at timestamp not null
);
create table if not exists meta (
    key   varchar primary key,               -- data_as_of, last_run_id, schema_version
    value varchar
);
"""
