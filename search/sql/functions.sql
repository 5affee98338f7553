-- Search documents kept current by statement-level triggers (one call per statement, set-based,
-- with transition tables), so every writer - admin, API, the ETL's bulk SQL, COPY - updates them in
-- its own transaction. Owned by the `search` app; see docs/search.md.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The twin of search.normalise.normalise(): lower case, accents folded (ё = е), apostrophes dropped,
-- every other run of non-letters one space.
CREATE OR REPLACE FUNCTION search_norm(t text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
    regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, coalesce(t, ''))), '[''’‘`ʼ]', '', 'g'),
    '[^[:alnum:]]+', ' ', 'g'))
$$;

-- Stems: Cyrillic words by the Russian Snowball stemmer, Latin ones by the English one, as the
-- `russian` configuration does, but keeping stop words: "у" in "Дом у реки" and "the" in a title
-- are words a viewer types, and a query of only such words must still find something.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'search_stems') THEN
    CREATE TEXT SEARCH DICTIONARY search_english_stem (TEMPLATE = snowball, Language = english);
    CREATE TEXT SEARCH DICTIONARY search_russian_stem (TEMPLATE = snowball, Language = russian);
    CREATE TEXT SEARCH CONFIGURATION search_stems (COPY = russian);
    ALTER TEXT SEARCH CONFIGURATION search_stems
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH search_english_stem;
    ALTER TEXT SEARCH CONFIGURATION search_stems
      ALTER MAPPING FOR word, hword, hword_part WITH search_russian_stem;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION search_tsv(raw text) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('search_stems'::regconfig, search_norm(raw))
$$;

-- A lexeme and every string made by deleting up to 1 (4-6 letters) or 2 (7+) of its letters:
-- the delete-neighbourhood keys of search.typos.
CREATE OR REPLACE FUNCTION search_deletes(lexeme text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH one AS (
    SELECT overlay(lexeme PLACING '' FROM i FOR 1) AS k
    FROM generate_series(1, length(lexeme)) i WHERE length(lexeme) >= 4
  )
  SELECT lexeme
  UNION SELECT k FROM one
  UNION SELECT overlay(k PLACING '' FROM i FOR 1) FROM one, generate_series(1, length(k)) i WHERE length(lexeme) >= 7
$$;

-- A query word's keys: itself and every string made by deleting up to `depth` letters.
CREATE OR REPLACE FUNCTION search_query_keys(word text, depth int) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 40 AS $$
  WITH one AS (
    SELECT overlay(word PLACING '' FROM i FOR 1) AS k FROM generate_series(1, length(word)) i WHERE depth >= 1
  )
  SELECT word
  UNION SELECT k FROM one
  UNION SELECT overlay(k PLACING '' FROM i FOR 1) FROM one, generate_series(1, length(k)) i WHERE depth >= 2
$$;

-- Optimal string alignment distance (insert, delete, substitute, swap neighbours), the twin of
-- search.typos.distance; it only runs on the few lexemes the delete-neighbourhood keys found.
CREATE OR REPLACE FUNCTION search_osa(a text, b text) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  la int := length(a);
  lb int := length(b);
  prev2 int[];
  prev int[];
  cur int[];
  cost int;
BEGIN
  IF a = b THEN RETURN 0; END IF;
  IF la = 0 THEN RETURN lb; END IF;
  IF lb = 0 THEN RETURN la; END IF;
  prev := ARRAY(SELECT generate_series(0, lb));
  FOR i IN 1..la LOOP
    cur := array_fill(0, ARRAY[lb + 1]);
    cur[1] := i;
    FOR j IN 1..lb LOOP
      cost := CASE WHEN substr(a, i, 1) = substr(b, j, 1) THEN 0 ELSE 1 END;
      cur[j + 1] := least(prev[j + 1] + 1, cur[j] + 1, prev[j] + cost);
      IF i > 1 AND j > 1 AND substr(a, i, 1) = substr(b, j - 1, 1) AND substr(a, i - 1, 1) = substr(b, j, 1) THEN
        cur[j + 1] := least(cur[j + 1], prev2[j - 1] + 1);
      END IF;
    END LOOP;
    prev2 := prev;
    prev := cur;
  END LOOP;
  RETURN prev[lb + 1];
END $$;

CREATE OR REPLACE FUNCTION search_add_lexemes(lexemes text[]) RETURNS void
LANGUAGE sql AS $$
  WITH fresh AS (
    INSERT INTO search_lexeme (lexeme)
    SELECT DISTINCT l FROM unnest(lexemes) l
    WHERE length(l) BETWEEN 2 AND 40 AND l !~ '^[0-9]+$'
      AND NOT EXISTS (SELECT 1 FROM search_lexeme x WHERE x.lexeme = l)
    ON CONFLICT DO NOTHING
    RETURNING lexeme
  )
  INSERT INTO search_lexemekey (key, lexeme)
  SELECT k, fresh.lexeme FROM fresh, search_deletes(fresh.lexeme) k
  ON CONFLICT DO NOTHING
$$;

-- Rebuilds the documents of movies `ids`. `parts` says what changed ('all', 'cast' or 'desc'): only
-- that part is parsed again, the others are reused from the stored document (parsing is the cost).
CREATE OR REPLACE FUNCTION search_refresh_movies(ids bigint[], parts text DEFAULT 'all') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  new_lexemes text[];
  do_cast boolean := parts IN ('all', 'cast');
  do_desc boolean := parts IN ('all', 'desc');
BEGIN
  WITH wanted AS (
    SELECT w.id, d.movie_id IS NULL AS fresh, d.title_norm, d.title_tsv, d.cast_tsv, d.desc_tsv
    FROM (SELECT DISTINCT id FROM unnest(ids) id) w LEFT JOIN search_moviedocument d ON d.movie_id = w.id
  ), cast_names AS (
    SELECT c.movie_id, string_agg(p.full_name, ' ' ORDER BY c.billing_order, c.id) AS names
    FROM wanted w JOIN people_credit c ON c.movie_id = w.id JOIN people_person p ON p.id = c.person_id
    WHERE do_cast OR w.fresh
    GROUP BY c.movie_id
  ), cms AS (
    SELECT d.movie_id, string_agg(d.text, ' ') AS text
    FROM wanted w JOIN catalog_cmsdescription d ON d.movie_id = w.id WHERE do_desc OR w.fresh GROUP BY d.movie_id
  ), editors AS (
    SELECT o.movie_id, string_agg(o.text, ' ') AS text
    FROM wanted w JOIN overrides_descriptionoverride o ON o.movie_id = w.id WHERE do_desc OR w.fresh GROUP BY o.movie_id
  ), src AS (
    SELECT m.id,
      CASE WHEN parts = 'all' OR w.fresh THEN search_norm(m.title) ELSE w.title_norm END AS title_norm,
      CASE WHEN parts = 'all' OR w.fresh THEN search_tsv(m.title) ELSE w.title_tsv END AS title_tsv,
      CASE WHEN do_cast OR w.fresh THEN search_tsv(cn.names) ELSE w.cast_tsv END AS cast_tsv,
      CASE WHEN do_desc OR w.fresh THEN search_tsv(concat_ws(' ', m.partner_description, cms.text, editors.text))
           ELSE w.desc_tsv END AS desc_tsv
    FROM wanted w JOIN catalog_movie m ON m.id = w.id
    LEFT JOIN cast_names cn ON cn.movie_id = m.id
    LEFT JOIN cms ON cms.movie_id = m.id
    LEFT JOIN editors ON editors.movie_id = m.id
  ), saved AS (
    INSERT INTO search_moviedocument AS d (movie_id, title_norm, title_tsv, cast_tsv, desc_tsv, all_tsv)
    SELECT id, title_norm, title_tsv, cast_tsv, desc_tsv,
           setweight(title_tsv, 'A') || setweight(cast_tsv, 'B') || setweight(desc_tsv, 'C')
    FROM src
    ON CONFLICT (movie_id) DO UPDATE SET
      title_norm = EXCLUDED.title_norm, title_tsv = EXCLUDED.title_tsv, cast_tsv = EXCLUDED.cast_tsv,
      desc_tsv = EXCLUDED.desc_tsv, all_tsv = EXCLUDED.all_tsv
    WHERE (d.title_norm, d.all_tsv) IS DISTINCT FROM (EXCLUDED.title_norm, EXCLUDED.all_tsv)
    RETURNING d.title_tsv, d.title_norm
  )
  -- The vocabulary has the words as written and their stems: "titanik" is one typo from "titanic",
  -- two from its stem "titan".
  SELECT array_agg(DISTINCT l) INTO new_lexemes
  FROM saved, unnest(tsvector_to_array(saved.title_tsv) || string_to_array(saved.title_norm, ' ')) l;
  IF new_lexemes IS NOT NULL THEN
    PERFORM search_add_lexemes(new_lexemes);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION search_refresh_people(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  new_lexemes text[];
BEGIN
  WITH saved AS (
    INSERT INTO search_persondocument AS d (person_id, name_norm, name_tsv)
    SELECT p.id, search_norm(p.full_name), search_tsv(p.full_name)
    FROM (SELECT DISTINCT id FROM unnest(ids) id) w JOIN people_person p ON p.id = w.id
    ON CONFLICT (person_id) DO UPDATE SET name_norm = EXCLUDED.name_norm, name_tsv = EXCLUDED.name_tsv
    WHERE d.name_norm IS DISTINCT FROM EXCLUDED.name_norm
    RETURNING d.name_tsv, d.name_norm
  )
  SELECT array_agg(DISTINCT l) INTO new_lexemes
  FROM saved, unnest(tsvector_to_array(saved.name_tsv) || string_to_array(saved.name_norm, ' ')) l;
  IF new_lexemes IS NOT NULL THEN
    PERFORM search_add_lexemes(new_lexemes);
  END IF;
END $$;

-- Trigger functions: each reads the statement's transition tables and refreshes what they touch.

CREATE OR REPLACE FUNCTION search_movie_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM search_refresh_movies(ARRAY(SELECT id FROM new_rows));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION search_movie_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The ETL rewrites `description` and `updated_at` on many rows; only the searched columns count.
  PERFORM search_refresh_movies(ARRAY(
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.title, n.partner_description) IS DISTINCT FROM (o.title, o.partner_description)));
  RETURN NULL;
END $$;

-- Credits (part 'cast'), CMS descriptions and overrides (part 'desc', the trigger's argument): the
-- movies of the changed rows, before and after.
CREATE OR REPLACE FUNCTION search_movie_part_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM search_refresh_movies(ARRAY(SELECT movie_id FROM new_rows), TG_ARGV[0]);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM search_refresh_movies(ARRAY(SELECT movie_id FROM old_rows), TG_ARGV[0]);
  ELSE
    -- Only what search reads counts (a credit's person, a description's text), not billing or timestamps.
    PERFORM search_refresh_movies(ARRAY(
      SELECT unnest(ARRAY[n.movie_id, o.movie_id]) FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.movie_id, to_jsonb(n) ->> 'person_id', to_jsonb(n) ->> 'text')
            IS DISTINCT FROM (o.movie_id, to_jsonb(o) ->> 'person_id', to_jsonb(o) ->> 'text')), TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION search_person_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM search_refresh_people(ARRAY(SELECT id FROM new_rows));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION search_person_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  renamed bigint[];
BEGIN
  renamed := ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.full_name IS DISTINCT FROM o.full_name);
  IF cardinality(renamed) > 0 THEN
    PERFORM search_refresh_people(renamed);
    -- A renamed actor is found under the new name in every movie they play in.
    PERFORM search_refresh_movies(ARRAY(SELECT DISTINCT movie_id FROM people_credit WHERE person_id = ANY(renamed)), 'cast');
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION search_movie_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_moviedocument d USING old_rows o WHERE d.movie_id = o.id;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION search_person_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_persondocument d USING old_rows o WHERE d.person_id = o.id;
  RETURN NULL;
END $$;
