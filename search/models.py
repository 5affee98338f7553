"""Search documents (one per movie, one per person) and the vocabulary used to correct typos.

All rows here are derived data kept current by PostgreSQL triggers (search/sql/), in the same
transaction as the write that changed the source rows, whoever made it: the admin, the API, the ETL's
bulk SQL, a COPY. Nothing in Python writes them.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class MovieDocument(models.Model):
    movie = models.OneToOneField(
        "catalog.Movie", on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="search_document"
    )
    title_norm = models.TextField(help_text="The title as search compares it (search_norm).")
    # Stems by the `russian` configuration, which stems Cyrillic words as Russian and Latin ones as English.
    # Each part is kept apart so that a change to one (a new credit) re-parses only that part.
    title_tsv = SearchVectorField()
    cast_tsv = SearchVectorField()
    desc_tsv = SearchVectorField(help_text="Partner, CMS and editors' descriptions in every language.")
    all_tsv = SearchVectorField(help_text="Title (weight A), cast names (B), descriptions (C): what a search matches.")

    class Meta:
        indexes = [
            GinIndex(fields=["title_tsv"], name="search_movie_title_tsv"),
            GinIndex(fields=["all_tsv"], name="search_movie_all_tsv"),
        ]


class PersonDocument(models.Model):
    person = models.OneToOneField(
        "people.Person", on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="search_document"
    )
    name_norm = models.TextField()
    name_tsv = SearchVectorField()

    class Meta:
        indexes = [
            GinIndex(fields=["name_tsv"], name="search_person_name_tsv"),
        ]


class Lexeme(models.Model):
    """A distinct lexeme of the catalog's titles and names (never numbers): what a typo is corrected to."""

    # Byte order ("C") lets `LIKE 'prefix%'` use the primary key's index whatever the database's locale.
    lexeme = models.TextField(primary_key=True, db_collation="C")


class LexemeKey(models.Model):
    """A lexeme with up to one or two letters deleted (see search.typos): the typo-correction index."""

    pk = models.CompositePrimaryKey("key", "lexeme")
    key = models.TextField(db_collation="C")
    lexeme = models.TextField(db_collation="C")
