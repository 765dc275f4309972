-- One organisation's measures in ledger order and in deadline order straight from an index.
CREATE INDEX measures_organisation_ledger_idx ON measures (organisation_id, inspection_id, problem_ordinal, ordinal);
CREATE INDEX measures_organisation_deadline_idx ON measures (organisation_id, deadline);

-- Grows with every change to an organisation's measures, their assignees and supporting
-- departments, whoever makes it: a page of measures computed at one revision stays current
-- while the revision holds, on every server instance.
ALTER TABLE organisations ADD COLUMN ledger_revision BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_ledger_revision_of_measure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE organisations SET ledger_revision = ledger_revision + 1 WHERE id = OLD.organisation_id;
    ELSE
        UPDATE organisations SET ledger_revision = ledger_revision + 1 WHERE id = NEW.organisation_id;
    END IF;
    RETURN NULL;
END $$;

-- For the tables keyed by measure_id.
CREATE FUNCTION bump_ledger_revision_of_measure_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE organisations SET ledger_revision = ledger_revision + 1
        WHERE id = (SELECT organisation_id FROM measures WHERE id = OLD.measure_id);
    ELSE
        UPDATE organisations SET ledger_revision = ledger_revision + 1
        WHERE id = (SELECT organisation_id FROM measures WHERE id = NEW.measure_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER measures_revision AFTER INSERT OR UPDATE OR DELETE ON measures
    FOR EACH ROW EXECUTE FUNCTION bump_ledger_revision_of_measure();
CREATE TRIGGER measure_assignees_revision AFTER INSERT OR UPDATE OR DELETE ON measure_assignees
    FOR EACH ROW EXECUTE FUNCTION bump_ledger_revision_of_measure_part();
CREATE TRIGGER measure_supporting_revision AFTER INSERT OR UPDATE OR DELETE ON measure_supporting_departments
    FOR EACH ROW EXECUTE FUNCTION bump_ledger_revision_of_measure_part();
