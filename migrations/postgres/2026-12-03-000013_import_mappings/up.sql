-- The columns an organisation mapped when importing a hand-made 台账, so that its next 台账
-- with the same headers maps by itself. `header` is the header with spaces and punctuation
-- removed; `field` is what the column holds, NULL when it is not imported (不导入).
CREATE TABLE import_column_mappings (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    header TEXT NOT NULL,
    field TEXT CHECK (field IN ('category', 'problem', 'feedback', 'measure', 'kind', 'responsible_leader',
        'lead_department', 'supporting_departments', 'assignees', 'deadline', 'progress')),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, header)
);
