"""Editors upload, replace and remove posters and photos from the movie and person pages of the admin."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from streaming.models import Image
from tests.factories import EditorFactory, MovieFactory, PersonFactory
from tests.streaming.test_images import picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_browser() -> Client:
    client = Client()
    client.force_login(EditorFactory())
    return client


def payload(response) -> dict:
    """What the browser would post back unchanged: the main form and every inline's management form."""
    data = {}

    def add(form, prefix_name):
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None or value is False:
                continue
            key = prefix_name(name)
            data[key] = "on" if value is True else ([str(v) for v in value] if isinstance(value, list) else str(value))

    add(response.context["adminform"].form, lambda name: name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form, lambda name: f"{formset.prefix}-{name}")
        for form in formset.forms:
            add(form, form.add_prefix)
    return data


def image_prefix(response) -> str:
    return next(i.formset.prefix for i in response.context["inline_admin_formsets"] if i.formset.model is Image)


def test_editor_uploads_and_replaces_a_poster(video_backend, editor_browser, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    url = f"/admin/catalog/movie/{movie.pk}/change/"
    page = editor_browser.get(url)
    data, prefix = payload(page), image_prefix(page)
    data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-kind": "poster",
                 f"{prefix}-0-file": SimpleUploadedFile("../../../etc/poster.png", picture(), content_type="image/png")})
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_browser.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    poster = Image.objects.get(movie=movie, kind="poster")
    assert poster.source == "upload" and "etc" not in poster.key and "poster.png" not in poster.key
    assert [r["width"] for r in poster.renditions] == [160, 320, 640]

    page = editor_browser.get(url)
    assert f"/api/v1/images/{poster.pk}/320" in page.content.decode()  # the preview
    assert editor_browser.get("/admin/catalog/movie/?has_poster=yes").context["cl"].result_count == 1

    data, prefix = payload(page), image_prefix(page)
    data[f"{prefix}-0-file"] = SimpleUploadedFile("p.jpg", picture(fmt="JPEG"), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_browser.post(url, data).status_code == 302
    replaced = Image.objects.get(movie=movie, kind="poster")
    assert replaced.pk != poster.pk and replaced.content_type == "image/jpeg"

    data = payload(editor_browser.get(url))
    data[f"{prefix}-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_browser.post(url, data).status_code == 302
    assert not Image.objects.filter(movie=movie).exists()


@pytest.mark.parametrize("content", [b"GIF89a not really", picture(fmt="JPEG")[:-500]])
def test_bad_upload_is_shown_as_a_form_error(video_backend, editor_browser, content):
    person = PersonFactory()
    url = f"/admin/people/person/{person.pk}/change/"
    page = editor_browser.get(url)
    data, prefix = payload(page), image_prefix(page)
    data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-kind": "photo",
                 f"{prefix}-0-file": SimpleUploadedFile("x.jpg", content, content_type="image/jpeg")})
    response = editor_browser.post(url, data)
    assert response.status_code == 200
    assert "not a readable image" in response.content.decode()
    assert not Image.objects.exists()
