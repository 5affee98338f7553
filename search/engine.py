"""The matching engine behind every search: query rewriting, typo correction, bounded candidates, ranking.

A search is one SQL statement (docs/search.md has the design and the measured plans):
1. variants (Python): the text as typed, transliterated (Latin <-> Cyrillic) and re-keyed (wrong
   keyboard layout); each word with the typos its length allows;
2. analysis (SQL): each word's stems, its typo corrections found through the
   vocabulary's delete-neighbourhood index and checked with `search_osa`, and for the last word a
   prefix; the variant whose words the catalog knows best wins (the text as typed wins ties);
3. candidates (SQL): index-bounded channels - trigram KNN on the whole title, word-similarity KNN,
   full-text matches with LIMIT - so the most common word costs what a rare one does;
4. ranking (Python, <= ~2,000 rows): title, then cast, then description; within a tier the closest
   title first, so an exact or near-exact title always leads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from search import layout, transliteration, typos
from search.normalise import SEARCH_MAX_LENGTH, normalise

CANDIDATE_LIMIT = 1000  # the most matches a search ranks and counts
MAX_WORDS = 10
TITLE_SIMILARITY = 0.5  # whole-title trigram similarity that counts as a title match on its own
WORD_SIMILARITY = 0.6  # pg_trgm's default word_similarity_threshold, used by `<%`


@dataclass(frozen=True)
class Hit:
    id: int
    matched: str


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    interpreted_as: str | None = None


@dataclass(frozen=True)
class Target:
    """Where one kind of search document lives and what its tiers are called."""

    table: str
    id_column: str
    norm_column: str
    tiers: tuple[tuple[str, str], ...]  # (matched label, tsvector column), best tier first; the last is the widest


MOVIES = Target("search_moviedocument", "movie_id", "title_norm", (("title", "title_tsv"), ("cast", "cast_tsv"), ("description", "all_tsv")))
PEOPLE = Target("search_persondocument", "person_id", "name_norm", (("name", "name_tsv"),))


def variants_of(query: str) -> list[tuple[str, bool]]:
    """(text, rewritten): the query as typed, then transliterated and re-keyed into the other script."""
    typed = " ".join(query[:SEARCH_MAX_LENGTH].split())
    found = [(typed, False)]
    lowered = typed.lower()
    kind = transliteration.script(lowered)
    if kind == "latin":
        found += [(transliteration.latin_to_cyrillic(lowered), True), (layout.to_russian_layout(typed).lower(), True)]
    elif kind == "cyrillic":
        found += [(transliteration.cyrillic_to_latin(lowered), True), (layout.to_english_layout(typed).lower(), True)]
    seen: set[str] = set()
    unique = []
    for text, rewritten in found:
        key = normalise(text)
        if key and key not in seen:
            seen.add(key)
            unique.append((text, rewritten))
    return unique


_SQL = """
WITH qw AS (
  SELECT * FROM unnest(%(v)s::int[], %(i)s::int[], %(w)s::text[], %(a)s::int[], %(last)s::bool[]) AS x(v, i, w, a, last)
), stems AS (
  -- Every word has at least one (search_stems keeps stop words); a word of symbols only has none.
  SELECT qw.v, qw.i, s.f FROM qw, LATERAL unnest(tsvector_to_array(to_tsvector('search_stems', qw.w))) AS s(f)
), forms AS (
  SELECT qw.v, qw.i, qw.a, qw.w AS f FROM qw WHERE EXISTS (SELECT 1 FROM stems s WHERE s.v = qw.v AND s.i = qw.i)
  UNION SELECT stems.v, stems.i, qw.a, stems.f FROM stems JOIN qw USING (v, i)
), corr AS (
  SELECT DISTINCT fo.v, fo.i, k.lexeme, k.lexeme = fo.f AS exact
  FROM forms fo, LATERAL search_query_keys(fo.f, fo.a) AS q(key),
  -- OFFSET 0 keeps this a per-key index lookup (the planner would otherwise hash the whole index).
  LATERAL (SELECT x.lexeme FROM search_lexemekey x WHERE x.key = q.key COLLATE "C" OFFSET 0) AS k
  WHERE search_osa(fo.f, k.lexeme) <= fo.a
), prefixed AS (
  SELECT qw.v, qw.i FROM qw WHERE qw.last AND length(qw.w) >= 2 AND EXISTS (
    SELECT 1 FROM search_lexeme x
    WHERE x.lexeme >= qw.w COLLATE "C" AND x.lexeme < (qw.w || chr(1114111)) COLLATE "C")
), chosen AS (
  SELECT qw.v FROM qw
  GROUP BY qw.v
  ORDER BY sum(CASE
    WHEN EXISTS (SELECT 1 FROM corr c WHERE c.v = qw.v AND c.i = qw.i AND c.exact) THEN 2
    WHEN EXISTS (SELECT 1 FROM corr c WHERE c.v = qw.v AND c.i = qw.i)
      OR EXISTS (SELECT 1 FROM prefixed p WHERE p.v = qw.v AND p.i = qw.i) THEN 1
    ELSE 0 END) DESC, qw.v
  LIMIT 1
), terms AS (
  SELECT s.i, quote_literal(s.f) AS t FROM stems s WHERE s.v = (SELECT v FROM chosen)
  UNION SELECT c.i, quote_literal(c.lexeme) FROM corr c WHERE c.v = (SELECT v FROM chosen)
  -- A correction may be a word as written; documents hold stems.
  UNION SELECT c.i, quote_literal(x.f) FROM corr c, unnest(tsvector_to_array(to_tsvector('search_stems', c.lexeme))) AS x(f)
    WHERE c.v = (SELECT v FROM chosen)
  UNION SELECT f.i, quote_literal(f.f) || ':*' FROM forms f JOIN qw USING (v, i) WHERE qw.last AND qw.v = (SELECT v FROM chosen)
), query AS (
  SELECT string_agg(g, ' & ')::tsquery AS tq, (%(qn)s::text[])[(SELECT v FROM chosen) + 1] AS qn
  FROM (SELECT '(' || string_agg(t, ' | ') || ')' AS g FROM terms GROUP BY i) AS groups
), candidates AS (
  SELECT id FROM search_candidates('{table}', '{idc}', '{norm}', '{first}', '{widest}',
                                   (SELECT tq FROM query), (SELECT qn FROM query), {limit})
)
SELECT d.{idc}, d.{norm}, {tier},
       similarity(d.{norm}, (SELECT qn FROM query)), word_similarity((SELECT qn FROM query), d.{norm}),
       (SELECT v FROM chosen)
FROM {table} d
WHERE d.{idc} IN (SELECT id FROM candidates) {restriction}
"""


def _sql(target: Target, restriction: str) -> str:
    tq = "(SELECT tq FROM query)"
    return _SQL.format(
        idc=target.id_column,
        norm=target.norm_column,
        table=target.table,
        widest=target.tiers[-1][1],
        first=target.tiers[0][1],
        limit=CANDIDATE_LIMIT,
        # The first tier that matches; CASE stops there, so most rows never read the long vectors.
        tier="CASE " + " ".join(f"WHEN d.{column} @@ {tq} THEN {n}" for n, (_, column) in enumerate(target.tiers))
        + f" ELSE {len(target.tiers)} END",
        restriction=restriction,
    )


def search(target: Target, query: str, *, restriction: tuple[str, list] | None = None) -> SearchResult:
    """The ranked matches of `query` (at most CANDIDATE_LIMIT) and the rewrite used, if any.

    `restriction` is (SQL, params) of a subquery of the ids the caller may see; it is applied to the
    candidates, so the number of hits is what the caller can show.
    """
    variants = [(text, rewritten, normalise(text).split()[:MAX_WORDS]) for text, rewritten in variants_of(query)]
    if not variants:
        return SearchResult([])
    params: dict = {"v": [], "i": [], "w": [], "a": [], "last": [], "qn": []}
    for v, (_, _, words) in enumerate(variants):
        params["qn"].append(" ".join(words))
        for i, word in enumerate(words):
            params["v"].append(v)
            params["i"].append(i)
            params["w"].append(word)
            params["a"].append(typos.allowed_typos(word))
            params["last"].append(i == len(words) - 1)
    restriction_sql = ""
    if restriction is not None:
        sql, restriction_params = restriction
        for n, value in enumerate(restriction_params):
            sql = sql.replace("%s", f"%(r{n})s", 1)
            params[f"r{n}"] = value
        restriction_sql = f"AND d.{target.id_column} IN ({sql})"
    with connection.cursor() as cursor:
        cursor.execute(_sql(target, restriction_sql), params)
        rows = cursor.fetchall()
    if not rows:
        return SearchResult([])
    chosen = rows[0][-1]
    qn = params["qn"][chosen]
    words = sorted(qn.split())
    labels = [label for label, _ in target.tiers]
    ranked = []
    for pk, norm, tier, sim, wsim, _ in rows:
        exact = norm == qn or sorted(norm.split()) == words
        # Word similarity finds a part of one word ("stellar"); over several words it finds noise.
        if exact or sim >= TITLE_SIMILARITY or (len(words) == 1 and wsim >= WORD_SIMILARITY):
            tier = 0  # near enough as a whole title, whatever the words did
        if tier >= len(labels):
            continue  # a nearest neighbour that is not near enough
        ranked.append(((not exact, tier, -sim, -wsim, pk), Hit(pk, labels[tier])))
    ranked.sort(key=lambda item: item[0])
    text, rewritten, _ = variants[chosen]
    hits = [hit for _, hit in ranked[:CANDIDATE_LIMIT]]
    return SearchResult(hits, text if rewritten and hits else None)
