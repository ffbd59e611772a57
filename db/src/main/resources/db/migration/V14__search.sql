-- Full-text search over blobs' titles and previews (docs/search.md; the choices: docs/decisions.md).
--
-- Content is in any language, so words are not stemmed: the configuration is `simple` (lower
-- case, no stop words) behind `unaccent`, so "creme" finds "Crème" and "strasse" finds "Straße".
-- Both extensions ship with PostgreSQL's contrib (Debian's postgresql package, the embedded
-- binaries, the official images) and are trusted: the database's owner may create them.
create extension if not exists unaccent;
-- btree_gin lets one GIN index hold the owner and the bucket beside the words, so a search is
-- narrowed to what the caller may see inside the index, not after reading every match of all users.
create extension if not exists btree_gin;

create text search configuration reyna_search (copy = simple);
alter text search configuration reyna_search
    alter mapping for word, hword, hword_part, numword, numhword, hword_numpart with unaccent, simple;

-- Title words weigh A, preview words B: ranking counts a title hit far above a preview hit.
-- Stored, so ranking reads it instead of parsing the text of every match again.
alter table blobs add column search tsvector generated always as (
    setweight(to_tsvector('reyna_search', title), 'A') || setweight(to_tsvector('reyna_search', preview), 'B')) stored;

-- A caller's own blobs are found through owner_id, blobs of buckets shared with them through bucket_id.
create index blobs_search on blobs using gin (owner_id, bucket_id, search);
