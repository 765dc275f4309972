DROP TABLE measure_progress;
DROP TABLE measure_supporting_departments;
DROP TABLE measure_assignees;
DROP TABLE measures;
DROP TABLE problems;
DROP TABLE categories;
DROP TABLE leading_group_members;
DROP TABLE inspections;
