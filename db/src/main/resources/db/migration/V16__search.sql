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

-- Every word that any title or preview holds, once. The last word of a query is matched as the
-- beginning of words: looked up here, it becomes those words, exactly, which the index intersects
-- with the caller's blobs at little cost. A prefix scan of the index itself ('lapt':*) would
-- gather the matches of every user first (80 ms for a common word over a million blobs).
-- Words are only added: one no blob holds any more costs a lookup that finds nothing.
create table search_words (word text collate "C" primary key);

create function search_words_add() returns trigger language plpgsql as $$
begin
    -- In one order, so two writers adding the same new words wait for each other, never deadlock.
    insert into search_words (word)
        select w from unnest(tsvector_to_array(new.search)) w order by w
        on conflict do nothing;
    return null;
end;
$$;
create trigger blobs_search_words after insert or update of title, preview on blobs
    for each row execute function search_words_add();
insert into search_words (word) select distinct unnest(tsvector_to_array(search)) from blobs;

-- A lexeme as a quoted operand of tsquery text, so that no character of it is read as syntax.
create function search_quote(lexeme text) returns text language sql immutable strict parallel safe
    return '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''';
