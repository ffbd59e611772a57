-- Publishing a schema version with a migration checks every stored blob of that schema, and
-- `reyna schema migrate` rewrites those stored at older versions: both walk one schema's blobs in
-- id order, from a version down, a page at a time. Without this index each page scans the table.
create index blobs_schema_version on blobs (schema_id, schema_version, id);
