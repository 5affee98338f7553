"""The relevance suite: every class of forgiving search, in Russian and English, over its own catalog.

Prints recall@5 (expected movie among the first five) and MRR (mean reciprocal rank) per class.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from catalog.selectors import visible_movies
from search.selectors import search_movies
from tests.search.catalog import CASES, NO_MATCH
from tests.search.conftest import RELEVANCE_REPORT

pytestmark = pytest.mark.django_db


def _titles(query: str) -> list[str]:
    page = search_movies(movies=visible_movies(user=None), query=query)
    return list(page.queryset.values_list("title", flat=True)[:10])


def test_relevance_set(relevance_catalog, request):
    assert len(CASES) + len(NO_MATCH) >= 60
    misses = []
    reciprocal: dict[str, list[float]] = defaultdict(list)
    in_top5: dict[str, list[bool]] = defaultdict(list)
    for query, expected, kind in CASES:
        titles = _titles(query)
        rank = titles.index(expected) + 1 if expected in titles else None
        reciprocal[kind].append(1 / rank if rank else 0.0)
        in_top5[kind].append(bool(rank and rank <= 5))
        if kind == "exact" and rank != 1:
            misses.append(f"{query!r}: exact title {expected!r} not first: {titles[:5]}")
        elif not rank or rank > 5:
            misses.append(f"{query!r} ({kind}): {expected!r} not in the top 5: {titles[:5]}")
    for query in NO_MATCH:
        titles = _titles(query)
        in_top5["no match"].append(not titles)
        if titles:
            misses.append(f"{query!r} must match nothing, found {titles[:5]}")

    lines = [f"{'class':<14}{'queries':>8}{'recall@5':>10}{'MRR':>8}"]
    for kind in in_top5:
        mrr = f"{sum(reciprocal[kind]) / len(reciprocal[kind]):.2f}" if reciprocal[kind] else "-"
        lines.append(f"{kind:<14}{len(in_top5[kind]):>8}{sum(in_top5[kind]) / len(in_top5[kind]):>10.2f}{mrr:>8}")
    everything = [r for values in reciprocal.values() for r in values]
    hits = [h for kind, values in in_top5.items() if kind != "no match" for h in values]
    lines.append(f"{'all':<14}{len(everything):>8}{sum(hits) / len(hits):>10.2f}{sum(everything) / len(everything):>8.2f}")
    print("\n".join(lines))
    request.config.stash[RELEVANCE_REPORT] = lines
    assert not misses, "\n".join(misses)
