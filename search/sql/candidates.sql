-- A search's bounded candidate set (applied by migration 0003; see docs/search.md).
--
-- Channels, each bounded so that its cost does not grow with the number of matches: title
-- matches, shortest title first (the exact and near-exact titles are the shortest ones that contain
-- every word), then, to fill up to `depth`, matches of the widest vector (cast, descriptions) that
-- are not title matches, in the same order. `(length, id)` is a total order, so a deeper search
-- returns the shallower one's candidates first, in the same order: pages stay consistent whatever
-- depth served them.
--
-- Each channel (search_channel) reads a bounded number of rows whatever the word (N rows in all,
-- probe = sqrt(N * depth): 2,236 at 100k movies and depth 50, 7,071 at 1M):
-- - when the planner's estimate says at least `probe` matches, it checks the `probe` shortest rows
--   in `(length, id)` index order, stopping at 50 matches; if it found 50, the word is common among
--   short titles and reading on in that order gives the first `depth` matches soon;
-- - otherwise it reads at most `probe` matches through the GIN index (a bitmap scan) and sorts them
--   by length: all the matches when there are fewer, else the shortest of the first `probe` found.
-- Titles' length and words correlate (the one-word titles are mostly the commonest words), so the
-- ordered read alone could skip tens of thousands of short titles before the first match of a
-- mid-frequency word ("winter": 20,277 rows, 39 ms); the check bounds it.
-- The path is chosen here, with plan settings local to the function, not left to the planner: its
-- estimate for a prefix (`song:*`) or an absent word can be far too high, and that guess read the
-- whole `(length, id)` index (415 ms over 300k people, measured).
--
-- Rows: (id, ord) in candidate order, ord from 1; when the channels stopped at `depth` (more
-- matches may exist), a last row (NULL, -estimate) with the planner's estimate of all matches.
DROP FUNCTION IF EXISTS search_candidates(text, text, text, text, text, tsquery, text, int);
DROP FUNCTION IF EXISTS search_channel(text, text, text, text, tsquery, int, int);

-- The planner's estimate of the rows of `SELECT 1 FROM tbl WHERE <cond>` (planning only, ~0.1 ms).
CREATE OR REPLACE FUNCTION search_estimate(tbl text, cond text, tq tsquery) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$  -- VOLATILE: EXPLAIN is refused in a STABLE function
DECLARE
  plan json;
BEGIN
  EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM %I WHERE %s', tbl, replace(cond, '$1', quote_literal(tq::text) || '::tsquery'))
    INTO plan;
  RETURN least((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 2000000000)::bigint;
END $$;

CREATE OR REPLACE FUNCTION search_channel(
  tbl text, id_column text, norm_column text, matches text, tq tsquery, depth int, probe int, estimate bigint
) RETURNS TABLE (id bigint, ord int)
-- Plan settings for this function only (restored when it returns): each query below is written
-- for one access path, chosen here.
LANGUAGE plpgsql VOLATILE ROWS 50 SET enable_seqscan = off SET enable_indexscan = on SET enable_bitmapscan = on AS $$
DECLARE
  ids bigint[];
  early bigint[];
  n int;
  -- No title shorter than the query's shortest lexeme can match: the ordered reads start there
  -- (else every one-word title of a shorter word came first: 7,068 rows before the first "night").
  shortest int := coalesce((SELECT min(length(m[1])) FROM regexp_matches(tq::text, '''((?:[^'']|'''')+)''', 'g') AS m), 0);
BEGIN
  IF depth <= 0 THEN
    RETURN;
  END IF;
  IF estimate >= probe THEN
    -- Probably common. Are there 50 matches (a first page's depth: the same test at any depth)
    -- among the `probe` shortest rows? The rows stream in index order and the scan stops at 50.
    PERFORM set_config('enable_bitmapscan', 'off', true);
    EXECUTE format('SELECT array_agg(%2$I), count(*) FROM (SELECT %2$I FROM'
                   ' (SELECT %2$I, (%4$s) AS hit FROM %1$I WHERE length(%3$I) >= $3 ORDER BY length(%3$I), %2$I LIMIT $2) r'
                   ' WHERE hit LIMIT 50) s',
                   tbl, id_column, norm_column, matches) USING tq, probe, shortest INTO early, n;
    IF n >= 50 THEN
      -- Common among short titles: reading on in index order finds `depth` soon.
      RETURN QUERY EXECUTE format(
        'SELECT s.%2$I, (row_number() OVER (ORDER BY length(s.%3$I), s.%2$I))::int FROM'
        ' (SELECT %2$I, %3$I FROM %1$I WHERE length(%3$I) >= $3 AND %4$s ORDER BY length(%3$I), %2$I LIMIT $2) s',
        tbl, id_column, norm_column, matches) USING tq, depth, shortest;
      RETURN;
    END IF;
    PERFORM set_config('enable_bitmapscan', 'on', true);
  END IF;
  -- At most `probe` matches through the GIN index, shortest first: all the matches when there are
  -- fewer, else the shortest of the first `probe` found and of the shortest titles checked above
  -- (where an exact title is): the same ones at any depth.
  PERFORM set_config('enable_indexscan', 'off', true);
  EXECUTE format('SELECT array_agg(%2$I ORDER BY l, %2$I) FROM ('
                 ' (SELECT %2$I, length(%3$I) AS l FROM %1$I WHERE %4$s LIMIT $2)'
                 ' UNION SELECT %2$I, length(%3$I) FROM %1$I WHERE %2$I = ANY($3)) s',
                 tbl, id_column, norm_column, matches) USING tq, probe, coalesce(early, '{}') INTO ids;
  RETURN QUERY SELECT u.id, u.ord::int FROM unnest(ids[1:depth]) WITH ORDINALITY AS u(id, ord);
END $$;

CREATE OR REPLACE FUNCTION search_channels(
  tbl text, id_column text, norm_column text, first_tsv text, wide_tsv text, tq tsquery, depth int
) RETURNS TABLE (id bigint, ord int)
LANGUAGE plpgsql VOLATILE ROWS 50 AS $$  -- ROWS: what a first page reads (DEPTH)
DECLARE
  found int := 0;
  more int := 0;
  probe int;
  first_cond text := format('%I @@ $1', first_tsv);
  wide_cond text := format('%I @@ $1 AND NOT %I @@ $1', wide_tsv, first_tsv);
  first_estimate bigint;
  all_estimate bigint;
BEGIN
  IF tq IS NULL THEN
    RETURN;
  END IF;
  SELECT least(greatest(sqrt(greatest(c.reltuples, 0) * depth)::int, 500), 20000) INTO probe
  FROM pg_class c WHERE c.oid = tbl::regclass;
  first_estimate := search_estimate(tbl, first_cond, tq);
  all_estimate := first_estimate;
  RETURN QUERY SELECT c.id, c.ord FROM search_channel(tbl, id_column, norm_column, first_cond, tq, depth, probe, first_estimate) c;
  GET DIAGNOSTICS found = ROW_COUNT;
  IF wide_tsv IS DISTINCT FROM first_tsv THEN
    all_estimate := search_estimate(tbl, format('%I @@ $1', wide_tsv), tq);
    IF found < depth THEN
      RETURN QUERY SELECT c.id, found + c.ord FROM search_channel(
        tbl, id_column, norm_column, wide_cond, tq, depth - found, probe, all_estimate - first_estimate) c;
      GET DIAGNOSTICS more = ROW_COUNT;
      found := found + more;
    END IF;
  END IF;
  IF found >= depth THEN
    id := NULL;  -- more matches may exist: the estimate of them all
    ord := -least(all_estimate, 2000000000)::int;
    RETURN NEXT;
  END IF;
END $$;

-- Channels read titles in (length, id) order; the vocabulary is searched by trigram word similarity
-- (a part of a word: "stellar" finds the lexeme "interstellar").
CREATE INDEX IF NOT EXISTS search_movie_title_len ON search_moviedocument (length(title_norm), movie_id);
CREATE INDEX IF NOT EXISTS search_person_name_len ON search_persondocument (length(name_norm), person_id);
CREATE INDEX IF NOT EXISTS search_lexeme_trgm ON search_lexeme USING gin (lexeme gin_trgm_ops);
