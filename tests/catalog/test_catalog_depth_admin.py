"""The editors' catalog depth screens: genres, the movie's facts and pins, list filters, bulk actions, credits with a job."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Genre, Movie
from people.models import Credit
from tests.factories import CreditFactory, EditorFactory, GenreFactory, MovieFactory, PersonFactory
from tests.test_admin import _inline_management_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_session(client):
    client.force_login(EditorFactory(username="ed"))
    return client


def _form_data(page) -> dict:
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and key in form.fields}
    data["countries"] = ",".join(data.get("countries") or [])
    data["genres"] = [genre.pk if hasattr(genre, "pk") else genre for genre in data.get("genres", [])]
    data.update(_inline_management_data(page))
    return data


def test_editor_creates_a_genre_with_names_per_language(editor_session):
    response = editor_session.post(reverse("admin:catalog_genre_add"), {"name_en": "Drama", "name_ru": "Драма", "slug": "drama"})
    assert response.status_code == 302
    assert Genre.objects.get(slug="drama").name_ru == "Драма"
    assert "Драма" in editor_session.get(reverse("admin:catalog_genre_changelist")).content.decode()


def test_editing_a_feed_field_pins_it_and_the_editor_can_release_it(editor_session):
    movie = MovieFactory(external_id=7, title="Solaris", year=1972)
    drama = GenreFactory(slug="drama")
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    data = _form_data(editor_session.get(url))
    data.update({"year": 1971, "countries": "RU, FR", "age_rating": "12+", "genres": [drama.pk]})
    response = editor_session.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    movie.refresh_from_db()
    assert (movie.year, movie.countries, movie.age_rating) == (1971, ["RU", "FR"], "12+")
    assert movie.pinned_fields == ["year", "age_rating", "countries", "genres"]
    page = editor_session.get(url)
    assert "year, age_rating, countries, genres" in page.content.decode()
    data = _form_data(page)
    data["release_pins"] = ["year", "genres"]
    assert editor_session.post(url, data).status_code == 302
    movie.refresh_from_db()
    assert movie.pinned_fields == ["age_rating", "countries"]


def test_unknown_country_codes_are_refused_in_the_form(editor_session):
    movie = MovieFactory()
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    data = _form_data(editor_session.get(url))
    data["countries"] = "RU,XX"
    response = editor_session.post(url, data)
    assert response.status_code == 200
    assert "XX" in str(response.context["adminform"].form.errors["countries"])


def test_list_filters_and_bulk_actions(editor_session):
    drama = GenreFactory(slug="drama", name_en="Drama")
    a, b = MovieFactory(title="Alpha", year=2001), MovieFactory(title="Beta", year=2002, is_published=False)
    changelist = reverse("admin:catalog_movie_changelist")
    page = editor_session.get(changelist, {"year": 2001})
    assert "Alpha" in page.content.decode() and "Beta" not in page.content.decode()
    assert editor_session.get(changelist, {"has_video": "no"}).status_code == 200
    editor_session.post(changelist, {"action": "publish", "_selected_action": [a.pk, b.pk]})
    assert Movie.objects.filter(is_published=True).count() == 2
    editor_session.post(changelist, {"action": "unpublish", "_selected_action": [a.pk]})
    assert not Movie.objects.get(pk=a.pk).is_published
    editor_session.post(changelist, {"action": "add_genre", "genre": drama.pk, "_selected_action": [a.pk, b.pk]})
    assert set(drama.movies.values_list("title", flat=True)) == {"Alpha", "Beta"}
    page = editor_session.get(changelist, {"genres__id__exact": drama.pk})
    assert "Alpha" in page.content.decode()


def test_credits_inline_carries_the_job(editor_session):
    movie = MovieFactory()
    person = PersonFactory()
    CreditFactory(movie=movie, person=person, role_name="Kelvin")
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    page = editor_session.get(url)
    data = _form_data(page)
    prefix = "credits"
    credit = Credit.objects.get()
    data.update({f"{prefix}-TOTAL_FORMS": 2, f"{prefix}-0-id": credit.pk, f"{prefix}-0-movie": movie.pk,
                 f"{prefix}-0-person": person.pk, f"{prefix}-0-job": "actor", f"{prefix}-0-role_name": "Kelvin",
                 f"{prefix}-0-billing_order": 0, f"{prefix}-1-movie": movie.pk, f"{prefix}-1-person": person.pk,
                 f"{prefix}-1-job": "director", f"{prefix}-1-role_name": "", f"{prefix}-1-billing_order": 0})
    response = editor_session.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert sorted(Credit.objects.values_list("job", flat=True)) == ["actor", "director"]
