-- The event log: every committed change, written in the same transaction as the change.
-- cursor is the global position clients resume from.
create table events (
    cursor         bigint generated always as identity primary key,
    id             uuid not null unique,
    type           text not null,
    subject        text not null,
    owner_id       uuid not null,
    actor_id       uuid,
    bucket_id      uuid,
    blob_id        uuid,
    schema_id      text,
    schema_version integer,
    version        bigint,
    data           jsonb,
    created_at     timestamptz not null
);
create index events_owner_cursor on events (owner_id, cursor);
