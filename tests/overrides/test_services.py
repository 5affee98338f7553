"""overrides.services: the one writer of overrides and of the stored description they decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models.expressions import RawSQL
from django.utils import timezone

from catalog.models import Movie
from overrides import services
from overrides.models import DescriptionOverride
from overrides.selectors import override_version, resolve_description
from tests.factories import CmsDescriptionFactory, MovieFactory

pytestmark = pytest.mark.django_db


def stored(movie: Movie) -> tuple[str, str]:
    movie.refresh_from_db()
    return movie.description, movie.source_used


def test_create_stores_the_description_and_moves_the_movie(editor):
    movie = MovieFactory(language="en", partner_description="partner")
    before = Movie.objects.get(pk=movie.pk).updated_at
    override = services.override_create(movie=movie, language="en", text="  editor  ", author=editor)
    assert (override.text, override.author) == ("editor", editor)
    assert stored(movie) == ("editor", "override")
    assert movie.updated_at > before


def test_an_override_in_another_language_moves_the_movie_but_not_its_stored_description(editor):
    movie = MovieFactory(language="en", partner_description="partner")
    before = Movie.objects.get(pk=movie.pk).updated_at
    services.override_create(movie=movie, language="ru", text="по-русски", author=editor)
    assert stored(movie) == ("partner", "partner") and movie.updated_at > before
    assert resolve_description(movie, "ru") == ("по-русски", "override")


def test_a_second_create_is_refused_with_the_existing_one(editor):
    movie = MovieFactory()
    first = services.override_create(movie=movie, language="en", text="first", author=editor)
    with pytest.raises(services.OverrideExists) as raised:
        services.override_create(movie=movie, language="en", text="second", author=editor)
    assert raised.value.existing.pk == first.pk
    assert raised.value.extra["existing_id"] == first.pk and "language" in raised.value.extra
    assert DescriptionOverride.objects.get().text == "first"


def test_update_checks_the_version_the_editor_read(editor):
    override = services.override_create(movie=MovieFactory(), language="en", text="v1", author=editor)
    read = override_version(override)
    services.override_update(override=override, text="v2", author=editor, expected_versions=[read])
    with pytest.raises(services.OverrideChanged) as raised:
        services.override_update(override=override, text="v3 from a stale page", author=editor, expected_versions=[read])
    assert raised.value.current.text == "v2"
    assert raised.value.extra["current"]["text"] == "v2"
    assert DescriptionOverride.objects.get().text == "v2"
    with pytest.raises(services.OverrideChanged):
        services.override_delete(override=override, author=editor, expected_versions=[read])
    assert DescriptionOverride.objects.exists()


def test_without_a_version_the_write_applies_to_the_current_one(editor):
    override = services.override_create(movie=MovieFactory(), language="en", text="v1", author=editor)
    services.override_update(override=override, text="v2", author=editor)
    assert services.override_update(override=override, text="v3", author=editor).text == "v3"


def test_updated_at_and_the_version_only_move_forward_even_when_the_clock_goes_back(editor):
    override = services.override_create(movie=MovieFactory(), language="en", text="v1", author=editor)
    # The previous write came from a server whose clock runs an hour ahead.
    ahead = timezone.now() + timedelta(hours=1)
    DescriptionOverride.objects.filter(pk=override.pk).update(updated_at=ahead)
    override.refresh_from_db()
    old_version = override_version(override)
    updated = services.override_update(override=override, text="v2", author=editor)
    assert updated.updated_at > ahead
    assert override_version(updated) != old_version


def test_delete_falls_back_to_cms_then_partner(editor):
    movie = MovieFactory(language="en", partner_description="partner")
    CmsDescriptionFactory(movie=movie, language="en", text="cms")
    override = services.override_create(movie=movie, language="en", text="editor", author=editor)
    services.override_delete(override=override, author=editor)
    assert stored(movie) == ("cms", "cms")
    assert DescriptionOverride.history.filter(id=override.pk).first().history_type == "-"


def test_writes_of_a_deleted_override_are_not_found(editor):
    override = services.override_create(movie=MovieFactory(), language="en", text="v1", author=editor)
    services.override_delete(override=override, author=editor)
    with pytest.raises(services.OverrideNotFound):
        services.override_update(override=override, text="v2", author=editor)


def test_descriptions_refresh_writes_only_what_differs():
    movies = MovieFactory.create_batch(3, language="en")
    assert services.descriptions_refresh(movie_ids=[m.pk for m in movies]) == []
    stamps = dict(Movie.objects.values_list("pk", "updated_at"))
    # A write that bypassed the services: only that movie is stored again.
    CmsDescriptionFactory.build(movie=movies[1], language="en", text="cms").save()
    now = timezone.now()
    assert services.descriptions_refresh(movie_ids=[m.pk for m in movies], now=now) == [movies[1].pk]
    assert stored(movies[1]) == ("cms", "cms") and movies[1].updated_at == now
    assert {pk: stamp for pk, stamp in Movie.objects.values_list("pk", "updated_at") if pk != movies[1].pk} == {
        pk: stamp for pk, stamp in stamps.items() if pk != movies[1].pk
    }
    assert services.descriptions_refresh(movie_ids=[m.pk for m in movies]) == []


def test_descriptions_refresh_takes_a_set_of_ids_as_sql():
    movie = MovieFactory(language="en")
    CmsDescriptionFactory.build(movie=movie, language="en", text="cms").save()
    ids = RawSQL("SELECT id FROM catalog_movie WHERE id = %s", (movie.pk,))
    assert services.descriptions_refresh(movie_ids=ids) == [movie.pk]
