-- Seeds :count blobs with realistic titles and previews into the buckets that exist (those the
-- benchmark made over HTTP), evenly over their owners, for `bin/bench search`. Direct SQL, because
-- a million creates through the API would take the better part of an hour on the benchmark
-- machine; what is measured is search, and that goes through the API.
--
-- Words follow Zipf's law, as words in text do: a word of rank r among 20,000 is picked with
-- probability ∝ 1/r (log-uniform ranks). The first ranks are common English and accented words
-- a person would type; the rest are made-up but pronounceable, so every one is a distinct lexeme.
\set ON_ERROR_STOP 1
create temp table common (rank serial, word text);
insert into common (word) select unnest(string_to_array(
  'the project meeting notes laptop invoice report draft budget design review plan team client '
  'summary task idea release customer travel recipe café crème brûlée garden music photo video '
  'contract school health weekly monthly quarter sales market research product feature bug '
  'schedule agenda minutes todo list shopping book film article letter email phone address '
  'straße über naïve résumé piñata smörgåsbord fjord kitchen coffee tea morning evening server '
  'database search index cluster backup network security password account profile settings', ' '));
create temp table vocabulary as
  select rank, word from common
  union all
  select (select count(*) from common) + i,
         (array['ka','lo','mi','ne','ru','sa','ti','vo','ze','pa','do','gu','ha','ji','ko','le','ma','no','pi','qu',
                're','si','tu','va','wo','xi','yo','zu','be','ce','fa','ge','hi','bo','ro','la','mu','ni','so','te'])[i % 40 + 1]
         || (array['ra','ni','so','ta','ve','lu','ki','mo','pe','da'])[(i / 40) % 10 + 1]
         || (array['n','r','s','l','t','','m','k','x','d'])[(i / 400) % 10 + 1]
         || (array['a','o','i','e','u'])[(i / 4000) % 5 + 1]
  from generate_series(1, 20000 - (select count(*) from common)::int) i;
create unique index on vocabulary (rank);
analyze vocabulary;

-- Pools of titles (3–7 words) and previews (20–40 words, at most 280 characters like the studio's);
-- blob i takes one of each, so a million blobs have a million different texts.
-- Each pick is one index lookup by rank (a hash of the vocabulary per text would cost more than the text).
set enable_hashjoin = off;
set enable_mergejoin = off;
create temp table titles as
  select n, (select string_agg(v.word, ' ') from generate_series(1, 3 + (n * 7) % 5) g
             cross join lateral (select floor(exp(random() * ln(20000)))::int + g * 0 as rank) pick
             join vocabulary v on v.rank = pick.rank) as text
  from generate_series(0, 99999) n;
create temp table previews as
  select n, left((select string_agg(v.word, ' ') from generate_series(1, 20 + (n * 13) % 21) g
                  cross join lateral (select floor(exp(random() * ln(20000)))::int + g * 0 as rank) pick
                  join vocabulary v on v.rank = pick.rank), 280) as text
  from generate_series(0, 99999) n;
reset enable_hashjoin;
reset enable_mergejoin;
create temp table targets as
  select row_number() over (order by b.owner_id, b.id) - 1 as k, b.id as bucket_id, b.owner_id from buckets b;
create unique index on targets (k);
