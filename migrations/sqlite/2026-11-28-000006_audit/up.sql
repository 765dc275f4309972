-- The audit log: an append-only hash chain of events per organisation.

-- The end of each organisation's chain. Writers update it first, which queues concurrent
-- writers of one organisation behind each other until commit.
CREATE TABLE audit_heads (
    organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    seq BIGINT NOT NULL DEFAULT 0,
    hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
);
INSERT INTO audit_heads (organisation_id) SELECT id FROM organisations;
CREATE TRIGGER organisations_audit_head AFTER INSERT ON organisations BEGIN
    INSERT INTO audit_heads (organisation_id) VALUES (NEW.id);
END;

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    seq BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_token_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    summary TEXT NOT NULL,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (organisation_id, seq)
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id);
CREATE INDEX audit_events_created_idx ON audit_events (organisation_id, created_at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
