-- Population base registry (人口基础信息库): fixed tables.
-- Per-feed record tables (rec_<feed>) are created from the declared feed schemas
-- (feeds/*.yaml) by renkou.registry.ingest; derived interval tables (persons,
-- hukou_spells, residence_spells, ...) are rebuilt inside each ingest transaction.

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);

-- Facts about the store itself (key = 'content_hash_probe': see renkou.registry.ingest).
CREATE TABLE IF NOT EXISTS store_meta (
    key    VARCHAR NOT NULL,
    value  VARCHAR
);

-- One ingest run of a delivery directory; all-or-nothing.
CREATE TABLE IF NOT EXISTS ingest_batches (
    batch_id     INTEGER PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    source_dir   VARCHAR,
    files        INTEGER,
    rows_read    BIGINT,
    accepted     BIGINT,
    quarantined  BIGINT,
    report       VARCHAR          -- JSON batch report (masked IDs only)
);

-- Each delivered file, identified by its content hash (idempotent re-ingest).
CREATE TABLE IF NOT EXISTS ingest_files (
    batch_id     INTEGER NOT NULL,
    file_name    VARCHAR NOT NULL,
    file_hash    VARCHAR NOT NULL,
    feed         VARCHAR NOT NULL,
    rows_read    BIGINT NOT NULL,
    accepted     BIGINT NOT NULL,
    quarantined  BIGINT NOT NULL
);

-- One row per person: the keyed pseudonym joins records; raw ID and name only encrypted.
-- pid is unique (the ingest adds only persons not yet stored); no index, see store.py.
CREATE TABLE IF NOT EXISTS identity (
    pid          UBIGINT NOT NULL,     -- first 64 bits of the pseudonym
    pseudonym    VARCHAR NOT NULL,     -- HMAC-SHA256(pseudonym key, ID number), 32 hex
    id_masked    VARCHAR NOT NULL,     -- display form: first 6, ********, last 4
    pii_enc      BLOB NOT NULL,        -- AES-256-GCM nonce || ciphertext of 'ID<TAB>name'
    sex          VARCHAR NOT NULL,     -- from the ID number (authoritative)
    birth_date   DATE NOT NULL,        -- from the ID number (authoritative)
    first_batch  INTEGER NOT NULL
);

-- Rows that were not accepted, with a machine-readable reason.
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id     INTEGER NOT NULL,
    feed         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_no       BIGINT NOT NULL,      -- spreadsheet row (header = row 1)
    record_id    VARCHAR,
    reason       VARCHAR NOT NULL,
    field        VARCHAR,
    id_masked    VARCHAR
);

-- Decisions between departments that disagree (precedence rules), with both sources.
CREATE TABLE IF NOT EXISTS decisions (
    batch_id       INTEGER NOT NULL,
    pid            UBIGINT NOT NULL,
    fact           VARCHAR NOT NULL,
    chosen_value   VARCHAR,
    chosen_source  VARCHAR NOT NULL,
    other_value    VARCHAR,
    other_source   VARCHAR NOT NULL,
    rule           VARCHAR NOT NULL
);
