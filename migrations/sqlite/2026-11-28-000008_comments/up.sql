-- Comments on measures and problems.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    entity_type TEXT NOT NULL CHECK (entity_type IN ('measure', 'problem')),
    entity_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_entity_idx ON comments (entity_type, entity_id, created_at);
