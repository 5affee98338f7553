"""The matching engine behind every search: query rewriting, typo correction, bounded candidates, ranking.

A search is one SQL statement (docs/search.md has the design and the measured plans):
1. variants (Python): the text as typed, transliterated (Latin <-> Cyrillic) and re-keyed (wrong
   keyboard layout); each word with the typos its length allows;
2. analysis (SQL): each word's stems, its typo corrections found through the
   vocabulary's delete-neighbourhood index and checked with `search_osa`, and for the last word a
   prefix; the variant whose words the catalog knows best wins (the text as typed wins ties);
3. candidates (SQL, `search_channels`): title matches shortest title first, then cast/description
   matches, read in `(length, id)` index order and stopped at `depth` rows (DEPTH for a first page,
   more only for a deep page), so the most common word costs what a rare one does;
4. ranking: the first HEAD candidates (where every exact and near-exact title is) by title, then
   cast, then description, then the closest title; the rest (deep pages only) by tier and channel
   order. A deeper search ranks the same head the same way: pages stay consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from search import layout, transliteration, typos
from search.normalise import SEARCH_MAX_LENGTH, normalise

CANDIDATE_LIMIT = 1000  # the most matches a search ranks and counts
DEPTH = 50  # candidates read for a first page; a deeper page asks for more (up to CANDIDATE_LIMIT)
HEAD = 50  # candidates ranked by title similarity (constant, so any depth ranks them alike)
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
    count: int = 0  # exact when `complete`, else the planner's estimate of all matches, capped at CANDIDATE_LIMIT
    complete: bool = True  # every match is among `hits` (the channels stopped before `depth`)
    depth: int = DEPTH


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
        found += [(reading, True) for reading in transliteration.latin_readings(lowered)]
        found.append((layout.to_russian_layout(typed).lower(), True))
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
), partial AS (
  -- A part of a word the catalog does not have as such ("stellar"): the vocabulary's words that
  -- contain it (trigram word similarity over the vocabulary, never over the titles).
  SELECT qw.i, x.lexeme FROM qw JOIN search_lexeme x ON qw.w <%% x.lexeme
  WHERE qw.v = (SELECT v FROM chosen) AND length(qw.w) >= 4
    AND NOT EXISTS (SELECT 1 FROM corr c WHERE c.v = qw.v AND c.i = qw.i AND c.exact)
), query AS (
  SELECT string_agg(g, ' & ')::tsquery AS tq, (%(qn)s::text[])[(SELECT v FROM chosen) + 1] AS qn
  FROM (SELECT '(' || string_agg(t, ' | ') || ')' AS g
        FROM (SELECT i, t FROM terms UNION SELECT i, quote_literal(lexeme) FROM partial) AS t GROUP BY i) AS groups
), candidates AS (
  SELECT id, ord FROM search_channels('{table}', '{idc}', '{norm}', '{first}', '{widest}', (SELECT tq FROM query), %(depth)s)
)
SELECT d.{idc}, d.{norm}, {tier},
       CASE WHEN c.ord <= {head} THEN similarity(d.{norm}, (SELECT qn FROM query)) END,
       CASE WHEN c.ord <= {head} THEN word_similarity((SELECT qn FROM query), d.{norm}) END,
       (SELECT v FROM chosen), c.ord
FROM candidates c JOIN {table} d ON d.{idc} = c.id
WHERE TRUE {restriction}
-- The estimate row, apart: an OR here would turn the restriction into a scan of every visible id.
UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, c.ord FROM candidates c WHERE c.id IS NULL
"""


def _sql(target: Target, restriction: str) -> str:
    tq = "(SELECT tq FROM query)"
    return _SQL.format(
        idc=target.id_column,
        norm=target.norm_column,
        table=target.table,
        widest=target.tiers[-1][1],
        first=target.tiers[0][1],
        head=HEAD,
        # The first tier that matches; CASE stops there, so most rows never read the long vectors.
        tier="CASE " + " ".join(f"WHEN d.{column} @@ {tq} THEN {n}" for n, (_, column) in enumerate(target.tiers))
        + f" ELSE {len(target.tiers)} END",
        restriction=restriction,
    )


def search(target: Target, query: str, *, restriction: tuple[str, list] | None = None, depth: int = DEPTH) -> SearchResult:
    """The best `depth` matches of `query` (at most CANDIDATE_LIMIT), ranked, and the rewrite used, if any.

    `restriction` is (SQL, params) of a subquery of the ids the caller may see; it is applied to the
    candidates, so the number of hits is what the caller can show.
    """
    depth = max(1, min(depth, CANDIDATE_LIMIT))
    variants = [(text, rewritten, normalise(text).split()[:MAX_WORDS]) for text, rewritten in variants_of(query)]
    if not variants:
        return SearchResult([])
    params: dict = {"v": [], "i": [], "w": [], "a": [], "last": [], "qn": [], "depth": depth}
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
    # A row without an id carries the estimate of all matches: the channels stopped at `depth`.
    estimates = [-row[-1] for row in rows if row[0] is None]
    estimate = estimates[0] if estimates else None
    rows = [row for row in rows if row[0] is not None]
    if not rows:
        return SearchResult([], depth=depth)
    chosen = rows[0][5]  # the same in every row with an id
    qn = params["qn"][chosen]
    words = sorted(qn.split())
    labels = [label for label, _ in target.tiers]
    head, tail = [], []
    for pk, norm, tier, sim, wsim, _, order in rows:
        if order > HEAD:
            if tier < len(labels):
                tail.append(((tier, order), Hit(pk, labels[tier])))
            continue
        exact = norm == qn or sorted(norm.split()) == words
        # Word similarity finds a part of one word ("stellar"); over several words it finds noise.
        if exact or sim >= TITLE_SIMILARITY or (len(words) == 1 and wsim >= WORD_SIMILARITY):
            tier = 0  # near enough as a whole title, whatever the words did
        if tier >= len(labels):
            continue
        head.append(((not exact, tier, -sim, -wsim, pk), Hit(pk, labels[tier])))
    head.sort(key=lambda item: item[0])
    tail.sort(key=lambda item: item[0])
    text, rewritten, _ = variants[chosen]
    hits = [hit for _, hit in head + tail]
    complete = estimate is None
    count = len(hits) if complete else max(len(hits), min(estimate, CANDIDATE_LIMIT))
    return SearchResult(hits, text if rewritten and hits else None, count=count, complete=complete, depth=depth)
