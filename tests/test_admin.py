"""The editors' admin: every screen renders, search works, override permissions hold."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from overrides.models import DescriptionOverride
from tests.factories import CmsDescriptionFactory, CreditFactory, EditorFactory, MovieFactory, OverrideFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def populated():
    movie = MovieFactory(title="Solaris", language="ru")
    CreditFactory(movie=movie)
    CmsDescriptionFactory(movie=movie, language="en", text="cms")
    OverrideFactory(movie=movie, language="ru", text="editor")
    return movie


def _model_admins():
    return [(model._meta.app_label, model._meta.model_name) for model in admin.site._registry]


def test_every_changelist_add_and_change_page_renders(superuser_client, populated):
    for app_label, model_name in _model_admins():
        changelist = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        assert changelist.status_code == 200, (app_label, model_name)
        add = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
        assert add.status_code in (200, 403), (app_label, model_name)
        instance = next(m for m in admin.site._registry if m._meta.model_name == model_name).objects.first()
        if instance is not None:
            change = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[instance.pk]))
            assert change.status_code == 200, (app_label, model_name)


def test_movie_page_shows_what_viewers_see_and_where_it_comes_from(superuser_client, populated):
    page = superuser_client.get(reverse("admin:catalog_movie_change", args=[populated.pk])).content.decode()
    assert "What viewers see" in page
    assert "<strong>override</strong>" in page and "<strong>cms</strong>" in page


def test_changelist_search(superuser_client, populated):
    MovieFactory(title="Stalker")
    page = superuser_client.get(reverse("admin:catalog_movie_changelist"), {"q": "Solar"}).content.decode()
    assert "Solaris" in page and "Stalker" not in page


def test_editor_can_save_an_override_in_the_movie_page(client, populated):
    editor = EditorFactory(username="ed")
    client.force_login(editor)
    url = reverse("admin:catalog_movie_change", args=[populated.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and key in form.fields}
    data.update(_inline_management_data(page))
    override = populated.overrides.get()
    prefix = "overrides"
    data.update({f"{prefix}-0-id": override.pk, f"{prefix}-0-movie": populated.pk, f"{prefix}-0-language": "ru",
                 f"{prefix}-0-text": "rewritten by an editor"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    override.refresh_from_db()
    assert override.text == "rewritten by an editor" and override.author == editor
    populated.refresh_from_db()
    assert (populated.description, populated.source_used) == ("rewritten by an editor", "override")
    assert override.history.first().history_user == editor


def test_empty_override_is_refused_in_the_admin(client, populated):
    client.force_login(EditorFactory(username="ed2"))
    response = client.post(reverse("admin:overrides_descriptionoverride_add"), {"movie": populated.pk, "language": "en", "text": "   "})
    assert response.status_code == 200
    assert "text" in response.context["adminform"].form.errors
    assert not DescriptionOverride.objects.filter(language="en").exists()


def test_editor_can_add_an_override_and_a_non_editor_cannot(client, populated):
    client.force_login(EditorFactory(username="ed3"))
    url = reverse("admin:overrides_descriptionoverride_add")
    assert client.post(url, {"movie": populated.pk, "language": "en", "text": "new"}).status_code == 302
    assert DescriptionOverride.objects.get(movie=populated, language="en").text == "new"

    client.force_login(UserFactory(username="staff-no-perms", is_staff=True))
    assert client.get(url).status_code == 403
    assert client.post(url, {"movie": populated.pk, "language": "de", "text": "x"}).status_code == 403
    assert not DescriptionOverride.objects.filter(language="de").exists()


def test_override_history_shows_old_text(client, populated, editor):
    client.force_login(editor)
    override = populated.overrides.get()
    client.post(reverse("admin:overrides_descriptionoverride_change", args=[override.pk]),
                {"movie": populated.pk, "language": "ru", "text": "second version"})
    page = client.get(reverse("admin:overrides_descriptionoverride_history", args=[override.pk])).content.decode()
    assert "second version" in page and "editor" in page


def _inline_management_data(page) -> dict:
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{formset.formset.prefix}-{name}"] = management.initial.get(name, field.initial)
        for index, form in enumerate(formset.formset.initial_forms):
            data[f"{formset.formset.prefix}-{index}-id"] = form.instance.pk
            for name in form.fields:
                value = form.initial.get(name)
                if value is not None:
                    data[f"{formset.formset.prefix}-{index}-{name}"] = getattr(value, "pk", value)
    return data


def test_an_editor_saving_over_a_newer_version_is_told_and_shown_the_newer_text(client, populated, editor):
    from overrides.services import override_update

    client.force_login(editor)
    override = populated.overrides.get()
    url = reverse("admin:overrides_descriptionoverride_change", args=[override.pk])
    version = client.get(url).context["adminform"].form["version"].value()
    # Another editor saves first.
    override_update(override=override, text="the other editor's text", author=EditorFactory(username="other"))
    response = client.post(url, {"movie": populated.pk, "language": "ru", "text": "mine", "version": version})
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "the other editor&#x27;s text" in errors and "other" in errors
    override.refresh_from_db()
    assert override.text == "the other editor's text"
    # Having seen it, the editor saves again: the form now carries the newer version.
    newer = response.context["adminform"].form["version"].value()
    assert newer != version
    assert client.post(url, {"movie": populated.pk, "language": "ru", "text": "merged", "version": newer}).status_code == 302
    override.refresh_from_db()
    assert override.text == "merged"


def test_the_movie_pages_override_inline_also_checks_the_version(client, populated, editor):
    from overrides.services import override_update

    client.force_login(editor)
    url = reverse("admin:catalog_movie_change", args=[populated.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and key in form.fields}
    data.update(_inline_management_data(page))
    override = populated.overrides.get()
    inline_form = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "overrides").formset.forms[0]
    data.update({"overrides-0-text": "mine", "overrides-0-version": inline_form["version"].value()})
    override_update(override=override, text="newer text", author=editor)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "newer text" in response.content.decode()
    override.refresh_from_db()
    assert override.text == "newer text"


def test_an_overrides_movie_and_language_are_fixed_once_written(client, populated, editor):
    client.force_login(editor)
    override = populated.overrides.get()
    url = reverse("admin:overrides_descriptionoverride_change", args=[override.pk])
    other = MovieFactory()
    assert client.post(url, {"movie": other.pk, "language": "de", "text": "moved?"}).status_code == 302
    override.refresh_from_db()
    assert (override.movie_id, override.language, override.text) == (populated.pk, "ru", "moved?")
    assert DescriptionOverride.history.filter(id=override.pk, history_type="-").count() == 0


def test_adding_a_second_override_for_a_language_is_a_form_error(client, populated, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:overrides_descriptionoverride_add"), {"movie": populated.pk, "language": "ru", "text": "again"})
    assert response.status_code == 200
    assert "already has an override" in str(response.context["adminform"].form.errors)
    assert DescriptionOverride.objects.filter(movie=populated).count() == 1


def test_deleting_in_the_admin_goes_through_the_service(client, populated, editor):
    client.force_login(editor)
    override = populated.overrides.get()
    response = client.post(reverse("admin:overrides_descriptionoverride_delete", args=[override.pk]), {"post": "yes"})
    assert response.status_code == 302
    populated.refresh_from_db()
    assert populated.source_used == "partner" and not DescriptionOverride.objects.exists()
    assert DescriptionOverride.history.filter(id=override.pk, history_type="-").get().history_user == editor
