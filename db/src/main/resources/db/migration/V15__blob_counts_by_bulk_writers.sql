-- An import writes thousands of blobs in one transaction. Counted row by row (V7), each new blob
-- updates its owner's usage row once more, and each update of one row within one transaction
-- walks past every version the earlier ones left: 100,000 blobs took minutes. A writer of many
-- blobs may therefore count them itself, once per statement, after saying so for its transaction:
--     set local reyna.blob_usage = 'counted_by_writer';
-- Every other insert is counted by the row trigger as before (cheaper for the one-row insert of
-- every create than a statement trigger over a transition table, which was measured slower).
drop trigger blobs_usage_insert on blobs;
create trigger blobs_usage_insert after insert on blobs for each row
    when (current_setting('reyna.blob_usage', true) is distinct from 'counted_by_writer')
    execute function user_usage_count_new_blob();
