-- Types: a schema is a named, owned sequence of immutable JSON Schema (2020-12) versions.
create table schemas (
    id             text primary key check (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    owner_id       uuid not null references users (id),
    name           text not null check (length(name) between 1 and 200),
    description    text check (length(description) <= 2000),
    latest_version integer not null default 1 check (latest_version >= 1),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
create index schemas_owner on schemas (owner_id);

-- document and migration are json, not jsonb: json keeps the text exactly as published, and the
-- order of "properties" matters (it is the order of form fields and of the title/preview fallback).
create table schema_versions (
    schema_id  text not null references schemas (id),
    version    integer not null check (version >= 1),
    document   json not null,
    migration  json,
    created_at timestamptz not null default now(),
    primary key (schema_id, version)
);

-- A published version never changes and never disappears: blobs were validated against it, and
-- every node caches it forever. The database enforces this, not only the code.
create function schema_versions_are_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'schema version %/% is immutable', old.schema_id, old.version
        using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger schema_versions_immutable
    before update or delete on schema_versions
    for each row execute function schema_versions_are_immutable();
create trigger schema_versions_no_truncate
    before truncate on schema_versions
    for each statement execute function schema_versions_are_immutable();
