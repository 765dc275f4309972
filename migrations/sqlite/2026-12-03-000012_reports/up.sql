-- Reports (整改情况报告) of an inspection, one row per version. A draft holds the editable parts
-- (`content`, JSON); release freezes the models both editions were made of (`model`, JSON) and
-- the public DOCX (`docx`, base64: backups carry text, not binary columns) with its SHA-256.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'released')),
    content TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    released_by BIGINT REFERENCES users (id),
    released_at TIMESTAMP,
    model TEXT,
    docx TEXT,
    sha256 TEXT,
    UNIQUE (inspection_id, number)
);
-- A released report is the record: nothing changes it.
CREATE TRIGGER reports_released_frozen BEFORE UPDATE ON reports WHEN OLD.status = 'released' BEGIN
    SELECT RAISE(ABORT, 'a released report cannot change');
END;
