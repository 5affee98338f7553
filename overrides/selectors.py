"""The rule that picks the description a viewer sees in a language."""

from __future__ import annotations

from catalog.models import DescriptionSource, Movie


def resolve_description(movie: Movie, language: str) -> tuple[str, str]:
    """(text, source) for `language`: the editor's override, else the CMS document, else the partner text.

    Reads `movie.overrides` and `movie.cms_descriptions` through `.all()` so a prefetch (see
    `catalog.selectors`) makes this free inside list views.
    """
    for override in movie.overrides.all():
        if override.language == language:
            return override.text, DescriptionSource.OVERRIDE
    for document in movie.cms_descriptions.all():
        if document.language == language:
            return document.text, DescriptionSource.CMS
    return movie.partner_description, DescriptionSource.PARTNER


def override_for(movie: Movie, language: str):
    """The editor's override of `movie` in `language`, or None (uses the prefetch like resolve_description)."""
    return next((o for o in movie.overrides.all() if o.language == language), None)
