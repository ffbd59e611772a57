-- Nested folders. parent_id null = a top-level bucket of its owner.
create table buckets (
    id         uuid primary key,
    owner_id   uuid not null references users (id),
    parent_id  uuid references buckets (id),
    name       text not null check (length(name) between 1 and 200),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
-- Sibling names are unique, as in a file system; top-level buckets are siblings per owner.
create unique index buckets_sibling_name on buckets (owner_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);
create index buckets_parent on buckets (parent_id, id);

-- Documents. data is validated against (schema_id, schema_version) before it is written;
-- version counts writes and is the ETag.
create table blobs (
    id             uuid primary key,
    owner_id       uuid not null references users (id),
    bucket_id      uuid not null references buckets (id),
    schema_id      text not null,
    schema_version integer not null,
    version        bigint not null default 1 check (version >= 1),
    title          text not null default '',
    preview        text not null default '',
    data           jsonb not null,
    derived        jsonb not null default '{}'::jsonb,
    size_bytes     integer not null check (size_bytes >= 0),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    foreign key (schema_id, schema_version) references schema_versions (schema_id, version)
);
create index blobs_bucket on blobs (bucket_id, id);
create index blobs_owner on blobs (owner_id, id);
