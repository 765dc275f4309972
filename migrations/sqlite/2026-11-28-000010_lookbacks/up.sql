-- Look-back checks (回头看) on verified measures and closed problems.
CREATE TABLE lookbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    entity_type TEXT NOT NULL CHECK (entity_type IN ('measure', 'problem')),
    entity_id BIGINT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('holds', 'rebound')),
    findings TEXT NOT NULL,
    checked_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lookbacks_entity_idx ON lookbacks (entity_type, entity_id);
CREATE INDEX lookbacks_inspection_idx ON lookbacks (inspection_id, result);
