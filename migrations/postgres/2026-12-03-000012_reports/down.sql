DROP TABLE reports;
DROP FUNCTION refuse_released_report_change();
