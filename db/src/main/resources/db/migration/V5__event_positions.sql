-- The order in which events are delivered, and the cursor clients resume from.
-- The identity taken at insert (now write_seq) is not that order: a transaction that inserts
-- later can commit earlier, and a reader that had seen the later one would skip the earlier for
-- ever. So the relay numbers events itself once they are committed: position is gap-free and
-- follows commit order. It is null until the relay has seen the event.
alter table events rename column cursor to write_seq;
alter table events add column position bigint unique;
create index events_unpositioned on events (write_seq) where position is null;
drop index events_owner_cursor;
create index events_owner_position on events (owner_id, position) where position is not null;

-- How far the relay has published positioned events to the bus; survives a change of leader.
create table relay_state (
    id                 integer primary key check (id = 1),
    published_position bigint not null default 0
);
insert into relay_state (id) values (1);
