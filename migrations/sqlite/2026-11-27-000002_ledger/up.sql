-- The rectification ledger: inspections, their leading group, categories, problems, measures.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    inspector TEXT NOT NULL,
    onsite_start DATE,
    onsite_end DATE,
    feedback_date DATE,
    deadline DATE,
    status TEXT NOT NULL DEFAULT 'planning' CHECK (status IN ('planning', 'rectifying', 'closed')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inspections_organisation_idx ON inspections (organisation_id);

CREATE TABLE leading_group_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id BIGINT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    group_role TEXT NOT NULL CHECK (group_role IN ('leader', 'deputy_leader', 'member', 'office_director')),
    title TEXT NOT NULL DEFAULT '',
    from_date DATE,
    until_date DATE,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX leading_group_inspection_idx ON leading_group_members (inspection_id);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (inspection_id, ordinal)
);

CREATE TABLE problems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    category_id BIGINT NOT NULL REFERENCES categories (id),
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    feedback TEXT NOT NULL DEFAULT '',
    responsible_leader_id BIGINT REFERENCES users (id),
    lead_department_id BIGINT REFERENCES departments (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (inspection_id, ordinal)
);
CREATE INDEX problems_category_idx ON problems (category_id);

CREATE TABLE measures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    problem_id BIGINT NOT NULL REFERENCES problems (id),
    ordinal INTEGER NOT NULL,
    -- The problem's ordinal, kept in step, so that ledger order needs no join.
    problem_ordinal INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('immediate', 'time_bound', 'long_term')),
    responsible_leader_id BIGINT REFERENCES users (id),
    lead_department_id BIGINT REFERENCES departments (id),
    deadline DATE,
    progress TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'not_started',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (problem_id, ordinal)
);
CREATE INDEX measures_ledger_idx ON measures (inspection_id, problem_ordinal, ordinal);
CREATE INDEX measures_inspection_idx ON measures (inspection_id, status, deadline);
CREATE INDEX measures_organisation_idx ON measures (organisation_id, status, deadline);
CREATE INDEX measures_leader_idx ON measures (responsible_leader_id);
CREATE INDEX measures_department_idx ON measures (lead_department_id);

CREATE TABLE measure_assignees (
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (measure_id, user_id)
);
CREATE INDEX measure_assignees_user_idx ON measure_assignees (user_id);

CREATE TABLE measure_supporting_departments (
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (measure_id, department_id)
);

CREATE TABLE measure_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users (id),
    progress TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX measure_progress_measure_idx ON measure_progress (measure_id);
