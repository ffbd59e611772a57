-- Processors: per-user settings, the cursor of each processor, and its dead letters.

-- Each user's settings of a built-in processor: whether it runs for their blobs, and its
-- configuration (checked against the processor's own settings schema before it is stored). No
-- row: the processor runs with its defaults.
create table processor_settings (
    user_id    uuid not null references users (id) on delete cascade,
    processor  text not null check (length(processor) between 1 and 64),
    enabled    boolean not null,
    config     jsonb not null default '{}'::jsonb,
    updated_at timestamptz not null default now(),
    primary key (user_id, processor)
);

-- How far each processor has read the event log (events.position). Only the node holding the
-- processor's advisory lock moves it; another node takes over from here.
create table processor_cursors (
    processor  text primary key,
    position   bigint not null,
    updated_at timestamptz not null default now()
);

-- Events a processor gave up on after all its attempts, with the last error: visible in the
-- metrics (reyna_processor_dead_letters_total) and kept for an operator to look into.
create table processor_dead_letters (
    processor text not null,
    event_id  uuid not null,
    blob_id   uuid,
    owner_id  uuid references users (id) on delete cascade,
    attempts  integer not null,
    error     text not null,
    failed_at timestamptz not null default now(),
    primary key (processor, event_id)
);
