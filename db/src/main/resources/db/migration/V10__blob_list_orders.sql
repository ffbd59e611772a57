-- The orders a bucket's blob list offers besides creation (blobs_bucket): recently updated
-- first, and by title. Each page is an index range scan, however many blobs the bucket holds.
create index blobs_bucket_updated on blobs (bucket_id, updated_at desc, id desc);
create index blobs_bucket_title on blobs (bucket_id, title, id);
