-- Evidence (佐证材料): stored files, the evidence that shows them, and every version of it.

-- Bytes of evidence files an organisation keeps, old versions included; checked against the
-- quota and moved on in the same transaction that records a file.
ALTER TABLE organisations ADD COLUMN storage_used BIGINT NOT NULL DEFAULT 0;

-- One row per stored object; objects are never rewritten, and kept after deletion.
CREATE TABLE evidence_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    object_key TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    file_type TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    problem_id BIGINT NOT NULL REFERENCES problems (id),
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    file_id BIGINT NOT NULL REFERENCES evidence_files (id),
    title TEXT NOT NULL,
    document_number TEXT,
    document_date DATE,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    deleted_by BIGINT REFERENCES users (id),
    delete_reason TEXT
);
CREATE INDEX evidence_measure_idx ON evidence (measure_id, created_at);
CREATE INDEX evidence_inspection_idx ON evidence (inspection_id, created_at);
CREATE INDEX evidence_organisation_idx ON evidence (organisation_id, created_at);

-- Every state the evidence has been in: created, file replaced, details edited, deleted.
CREATE TABLE evidence_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    evidence_id BIGINT NOT NULL REFERENCES evidence (id),
    version BIGINT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('created', 'file_replaced', 'details_edited', 'deleted')),
    file_id BIGINT NOT NULL REFERENCES evidence_files (id),
    title TEXT NOT NULL,
    document_number TEXT,
    document_date DATE,
    description TEXT NOT NULL,
    reason TEXT,
    changed_by BIGINT REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL,
    UNIQUE (evidence_id, version)
);

-- The first answer to a create request sent with an Idempotency-Key, replayed to retries.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (principal, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
