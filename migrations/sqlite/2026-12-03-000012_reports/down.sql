DROP TRIGGER reports_released_frozen;
DROP TABLE reports;
