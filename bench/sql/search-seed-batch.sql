-- One batch of the seed (bench/sql/search-seed.sql made the pools): blobs :first to :first + :count - 1.
-- Time-ordered ids, like the studio's (UUID version 7).
insert into blobs (id, owner_id, bucket_id, schema_id, schema_version, title, preview, data, size_bytes)
select (lpad(to_hex(1700000000000 + i), 12, '0') || '7' || substr(md5(i::text), 1, 19))::uuid,
       t.owner_id, t.bucket_id, :'schema', 1, ti.text, pr.text,
       jsonb_build_object('title', ti.text, 'body', pr.text), octet_length(ti.text) + octet_length(pr.text) + 24
from generate_series(cast(:first as bigint), :first + :count - 1) i
join targets t on t.k = i % (select count(*) from targets)
join titles ti on ti.n = (i * 7919) % 100000
join previews pr on pr.n = (i * 104729 + i / 100000) % 100000;
