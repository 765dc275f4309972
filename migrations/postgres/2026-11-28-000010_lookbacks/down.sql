DROP TABLE lookbacks;
