-- Extension requests (延期申请): a new deadline asked for with a reason, decided by the leader.
-- The approved ones are the measure's deadline history.
CREATE TABLE extension_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    old_deadline DATE,
    new_deadline DATE NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX extension_requests_measure_idx ON extension_requests (measure_id, status);
