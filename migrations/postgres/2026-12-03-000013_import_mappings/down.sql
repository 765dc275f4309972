DROP TABLE import_column_mappings;
