-- In-app notifications. `dedupe_key` makes a scheduled reminder unique however many server
-- instances produce it.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    measure_id BIGINT,
    problem_id BIGINT,
    message TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at);
