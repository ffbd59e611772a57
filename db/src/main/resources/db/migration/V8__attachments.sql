-- Files attached to a blob. The row is the attachment's metadata wherever its bytes are:
-- in attachment_chunks ('postgres') or as one object in the configured S3 bucket ('s3').
-- A row is inserted only when every byte was stored and its size and SHA-256 are known.
create table attachments (
    id           uuid primary key,
    blob_id      uuid not null references blobs (id) on delete cascade,
    owner_id     uuid not null references users (id),
    filename     text not null check (length(filename) between 1 and 255),
    content_type text not null check (length(content_type) between 3 and 255),
    size_bytes   bigint not null check (size_bytes >= 0),
    sha256       bytea not null check (length(sha256) = 32),
    storage      text not null check (storage in ('postgres', 's3')),
    -- How many bytes each chunk holds (the last one fewer), so a range read finds its chunks
    -- even if a later version stores with another chunk size.
    chunk_bytes  integer check (chunk_bytes > 0),
    object_key   text,
    created_at   timestamptz not null default now(),
    check ((storage = 'postgres') = (chunk_bytes is not null)),
    check ((storage = 's3') = (object_key is not null))
);
create index attachments_blob on attachments (blob_id, id);
create index attachments_owner on attachments (owner_id);

-- The bytes of a 'postgres' attachment, in order. The chunks are written while the upload
-- streams in, before the attachments row exists (inserted last, once the size and hash are
-- known), so the reference is checked at commit: an upload that fails rolls back its chunks.
create table attachment_chunks (
    attachment_id uuid not null references attachments (id) on delete cascade deferrable initially deferred,
    seq           integer not null check (seq >= 0),
    data          bytea not null,
    primary key (attachment_id, seq)
);
-- Files are mostly compressed already; stored uncompressed, a range read takes a substring of a
-- chunk without decompressing all of it.
alter table attachment_chunks alter column data set storage external;

-- S3 objects to delete: those of deleted attachments (added by the trigger below in the deleting
-- transaction, whatever deleted them: the attachment, its blob, its bucket), and those of uploads
-- in progress, due only if the upload never finished (not_before is then a day ahead; a finished
-- upload takes its row out in the transaction that inserts the attachment). A sweeper on every
-- node deletes due objects and their rows.
create table attachment_garbage (
    object_key text primary key,
    upload_id  text,
    not_before timestamptz not null default now(),
    attempts   integer not null default 0,
    created_at timestamptz not null default now()
);
create index attachment_garbage_due on attachment_garbage (not_before);

create function attachment_object_deleted() returns trigger language plpgsql as $$
begin
    insert into attachment_garbage (object_key) values (old.object_key)
    on conflict (object_key) do update set not_before = now();
    return old;
end $$;

create trigger attachments_s3_garbage after delete on attachments
    for each row when (old.storage = 's3') execute function attachment_object_deleted();

-- Attachment bytes count against the owner's storage quota like blob JSON (V7): kept in
-- user_usage by the statement that inserts or deletes the rows, so a blob or bucket deleted with
-- its attachments (the rows cascade) gives their bytes back with no code of its own.
create function user_usage_count_attachments() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        update user_usage u set bytes = u.bytes - g.bytes
        from (select owner_id, sum(size_bytes) as bytes from gone group by owner_id) g
        where u.user_id = g.owner_id;
    else
        update user_usage u set bytes = u.bytes + g.bytes
        from (select owner_id, sum(size_bytes) as bytes from came group by owner_id) g
        where u.user_id = g.owner_id;
    end if;
    return null;
end $$;
create trigger attachments_usage_insert after insert on attachments referencing new table as came
    for each statement execute function user_usage_count_attachments();
create trigger attachments_usage_delete after delete on attachments referencing old table as gone
    for each statement execute function user_usage_count_attachments();
