"""Fixtures of the search tests: the relevance catalog, built through the ORM (the triggers index it)."""

from __future__ import annotations

import pytest

from catalog.models import CmsDescription, Movie
from overrides.models import DescriptionOverride
from people.models import Credit, Person
from tests.search.catalog import MOVIES


RELEVANCE_REPORT = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, config):
    """Print the relevance suite's recall@5 and MRR at the end of the run, whatever the capture mode."""
    lines = config.stash.get(RELEVANCE_REPORT, None)
    if lines:
        terminalreporter.write_sep("-", "search relevance: recall@5 and MRR")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def relevance_catalog(db) -> dict[str, Movie]:
    people: dict[str, Person] = {}
    movies = {}
    for n, (title, language, text, cast, cms, overrides) in enumerate(MOVIES):
        movie = Movie.objects.create(title=title, language=language, partner_description=text, description=text, external_id=n + 1)
        for order, name in enumerate(cast):
            if name not in people:
                people[name] = Person.objects.create(full_name=name)
            Credit.objects.create(movie=movie, person=people[name], role_name="", billing_order=order)
        for cms_language, cms_text in cms.items():
            CmsDescription.objects.create(movie=movie, language=cms_language, text=cms_text)
        for override_language, override_text in overrides.items():
            DescriptionOverride.objects.create(movie=movie, language=override_language, text=override_text)
        movies[title] = movie
    return movies
