-- An import writes thousands of blobs in one transaction. Counted row by row (V7), each new blob
-- updated its owner's usage row once more, and each update of one row within one transaction
-- walks past every version the earlier updates left: 100,000 blobs took minutes. Counted per
-- statement, from the inserted rows as a table (as deletes are), a batch of 500 blobs updates
-- the row once; a single create still updates it once.
drop trigger blobs_usage_insert on blobs;
drop function user_usage_count_new_blob();

create function user_usage_count_new_blobs() returns trigger language plpgsql as $$
begin
    update user_usage u set blobs = u.blobs + g.n, bytes = u.bytes + g.bytes
    from (select owner_id, count(*) as n, sum(size_bytes) as bytes from came group by owner_id) g
    where u.user_id = g.owner_id;
    return null;
end $$;
create trigger blobs_usage_insert after insert on blobs referencing new table as came
    for each statement execute function user_usage_count_new_blobs();
