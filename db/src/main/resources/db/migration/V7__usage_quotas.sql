-- What each user's content takes, and the maxima an admin set for that user (null: the studio's
-- defaults). The counts are kept by the triggers below, in the statement that changes the
-- content, so every path that writes or deletes (a cascade included) gives an exact count, and the
-- row lock the update takes orders concurrent writers of one owner: a quota check made after the
-- write, in the same transaction, sees every committed write and none can overtake it.
create table user_usage (
    user_id     uuid primary key references users (id) on delete cascade,
    blobs       bigint not null default 0,
    buckets     bigint not null default 0,
    bytes       bigint not null default 0,
    max_blobs   bigint check (max_blobs >= 0),
    max_buckets bigint check (max_buckets >= 0),
    max_bytes   bigint check (max_bytes >= 0)
);

insert into user_usage (user_id, blobs, buckets, bytes)
select u.id,
       (select count(*) from blobs b where b.owner_id = u.id),
       (select count(*) from buckets k where k.owner_id = u.id),
       (select coalesce(sum(size_bytes), 0) from blobs b where b.owner_id = u.id)
from users u;

create function user_usage_for_new_user() returns trigger language plpgsql as $$
begin
    insert into user_usage (user_id) values (new.id);
    return null;
end $$;
create trigger users_usage after insert on users for each row execute function user_usage_for_new_user();

-- A new blob is counted by a row trigger, the cheapest for the one-row insert of every create.
-- Deletes are counted per statement, with the deleted rows as a table: deleting a subtree of
-- 10,000 blobs updates each owner's row once, not 10,000 times. An update is counted only when
-- it changes the size, so moves and derived data never touch (nor lock) the row.
create function user_usage_count_new_blob() returns trigger language plpgsql as $$
begin
    update user_usage set blobs = blobs + 1, bytes = bytes + new.size_bytes where user_id = new.owner_id;
    return null;
end $$;
create trigger blobs_usage_insert after insert on blobs for each row execute function user_usage_count_new_blob();

create function user_usage_count_deleted_blobs() returns trigger language plpgsql as $$
begin
    update user_usage u set blobs = u.blobs - g.n, bytes = u.bytes - g.bytes
    from (select owner_id, count(*) as n, sum(size_bytes) as bytes from gone group by owner_id) g
    where u.user_id = g.owner_id;
    return null;
end $$;
create trigger blobs_usage_delete after delete on blobs referencing old table as gone
    for each statement execute function user_usage_count_deleted_blobs();

create function user_usage_count_blob_resize() returns trigger language plpgsql as $$
begin
    update user_usage set bytes = bytes + new.size_bytes - old.size_bytes where user_id = new.owner_id;
    return null;
end $$;
create trigger blobs_usage_resize after update of size_bytes on blobs for each row
    when (old.size_bytes is distinct from new.size_bytes) execute function user_usage_count_blob_resize();

create function user_usage_count_new_bucket() returns trigger language plpgsql as $$
begin
    update user_usage set buckets = buckets + 1 where user_id = new.owner_id;
    return null;
end $$;
create trigger buckets_usage_insert after insert on buckets for each row execute function user_usage_count_new_bucket();

create function user_usage_count_deleted_buckets() returns trigger language plpgsql as $$
begin
    update user_usage u set buckets = u.buckets - g.n
    from (select owner_id, count(*) as n from gone group by owner_id) g
    where u.user_id = g.owner_id;
    return null;
end $$;
create trigger buckets_usage_delete after delete on buckets referencing old table as gone
    for each statement execute function user_usage_count_deleted_buckets();
