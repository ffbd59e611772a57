-- A bucket shared with another user, for its whole subtree. The owner is the bucket's owner;
-- a share on an ancestor covers every bucket and blob below it.
create table bucket_shares (
    bucket_id  uuid not null references buckets (id) on delete cascade,
    user_id    uuid not null references users (id) on delete cascade,
    access     text not null check (access in ('read', 'write')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (bucket_id, user_id)
);
create index bucket_shares_user on bucket_shares (user_id, bucket_id);

-- Read-only links to a bucket's subtree for people without an account. Only a SHA-256 hash of
-- the token is stored; a revoked link is deleted, an expired one answers as if it did not exist.
create table public_links (
    id         uuid primary key,
    bucket_id  uuid not null references buckets (id) on delete cascade,
    token_hash bytea not null unique,
    expires_at timestamptz,
    created_at timestamptz not null default now()
);
create index public_links_bucket on public_links (bucket_id, id);

-- Who besides the owner may see an event, decided in the writing transaction from the shares
-- in force then: a revoked or moved-out sharee is not in the audience of anything written after.
alter table events add column audience uuid[] not null default '{}';
create index events_audience on events using gin (audience) where position is not null;
