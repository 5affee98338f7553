"""Typo-tolerant search on one text column, served by trigram GIN indexes (pg_trgm)."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Q, QuerySet

SEARCH_MAX_LENGTH = 100


def normalise_query(query: str) -> str:
    return " ".join(query.split())[:SEARCH_MAX_LENGTH]


def trigram_search(queryset: QuerySet, field: str, query: str) -> QuerySet:
    """Rows whose `field` contains `query` or has a word similar to it; best matches first.

    `field %> query` uses a `gin_trgm_ops` index on the column; `UPPER(field) LIKE UPPER('%query%')`
    (Django's icontains) uses one on `UPPER(field)`. Both are declared in the models' Meta.indexes.
    """
    query = normalise_query(query)
    if not query:
        return queryset
    return (
        queryset.filter(Q(**{f"{field}__trigram_word_similar": query}) | Q(**{f"{field}__icontains": query}))
        .annotate(rank=TrigramWordSimilarity(query, field))
        .order_by("-rank", field, "id")
    )
