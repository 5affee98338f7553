"""The admin's run history and "Run ETL" action, and the Celery task behind it (eager in the embedded mode)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import Movie
from etl.models import ETLRun
from etl.services import etl_run
from etl.tasks import run_etl_task
from tests.etl.records import movie
from tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier_run(feed_file, local_store):
    """An operator's run: its partner source becomes a choice in the admin form."""
    return etl_run(partner_source=feed_file([movie(1, "A"), movie("bad", "B")]), cms_source=local_store.cms_url)


def test_editors_read_the_run_history_with_every_rejected_record(client, earlier_run):
    client.force_login(EditorFactory(username="ed"))
    listing = client.get(reverse("admin:etl_etlrun_changelist"))
    assert listing.status_code == 200 and "Run ETL" in listing.content.decode()
    page = client.get(reverse("admin:etl_etlrun_change", args=[earlier_run.pk])).content.decode()
    assert "movie_id must be an integer or a numeric string, got &#x27;bad&#x27;" in page
    assert "movies created=1" in page
    assert client.get(reverse("admin:etl_rejectedrecord_changelist") + f"?run__id__exact={earlier_run.pk}").status_code == 200
    # Read-only: no adding, no editing, no deleting history.
    assert client.get(reverse("admin:etl_etlrun_add")).status_code == 403
    assert client.post(reverse("admin:etl_etlrun_delete", args=[earlier_run.pk]), {"post": "yes"}).status_code == 403
    assert ETLRun.objects.filter(pk=earlier_run.pk).exists()


def test_an_editor_starts_a_run_from_the_admin(client, earlier_run, local_store, django_capture_on_commit_callbacks):
    editor = EditorFactory(username="ed")
    client.force_login(editor)
    url = reverse("admin:etl_etlrun_run")
    form = client.get(url)
    assert form.status_code == 200 and earlier_run.partner_source in form.content.decode()
    local_store.cms(1, "en", "from the cms")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"partner_source": earlier_run.partner_source, "cms_source": local_store.cms_url})
    assert response.status_code == 302 and len(callbacks) == 1  # enqueued only once the request's writes commit
    started = ETLRun.objects.first()
    assert (started.triggered_by, started.user, started.status) == ("admin", editor, "succeeded")
    assert Movie.objects.get(external_id=1).source_used == "cms"


def test_the_admin_form_accepts_only_listed_sources(client, earlier_run, tmp_path):
    client.force_login(EditorFactory(username="ed"))
    secret = tmp_path / "secret.json"
    secret.write_text("[]")
    response = client.post(reverse("admin:etl_etlrun_run"), {"partner_source": str(secret), "cms_source": "-"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert ETLRun.objects.count() == 1


def test_staff_without_the_run_permission_cannot_start_a_run(client, earlier_run):
    user = UserFactory(username="viewer-staff", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_etlrun"))
    client.force_login(user)
    assert "Run ETL" not in client.get(reverse("admin:etl_etlrun_changelist")).content.decode()
    url = reverse("admin:etl_etlrun_run")
    assert client.get(url).status_code == 403
    assert client.post(url, {"partner_source": earlier_run.partner_source, "cms_source": "-"}).status_code == 403
    assert ETLRun.objects.count() == 1


def test_the_task_runs_the_pipeline_and_returns_the_run(feed_file, local_store, editor):
    run_id = run_etl_task.delay(feed_file([movie(1, "A")]), None, user_id=editor.pk).get()
    run = ETLRun.objects.get(pk=run_id)
    assert (run.status, run.triggered_by, run.user, run.counts["movies"]["created"]) == ("succeeded", "task", editor, 1)
    # Safe to run twice: the repeat writes nothing.
    again = ETLRun.objects.get(pk=run_etl_task.delay(run.partner_source, None).get())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_the_task_records_bad_input_as_a_failed_run_without_retrying(feed_file, local_store):
    run_id = run_etl_task.delay(feed_file(b"not json"), None).get()
    run = ETLRun.objects.get(pk=run_id)
    assert run.status == "failed" and "malformed JSON" in run.error
    assert ETLRun.objects.count() == 1


def test_the_schedule_is_off_by_default_and_names_the_task(settings):
    assert "etl" not in settings.CELERY_BEAT_SCHEDULE
    from cinema_project.celery import app

    assert "etl.run_etl" in app.tasks


def test_the_scheduled_task_reads_the_configured_sources_when_it_runs(settings, feed_file, local_store):
    from etl.tasks import run_scheduled_etl_task

    settings.ETL_PARTNER_SOURCE = feed_file([movie(1, "A")])
    settings.ETL_CMS_SOURCE = ""  # the default prefix of the CMS bucket
    local_store.cms(1, "en", "Editorial text")
    run_scheduled_etl_task.delay().get()
    run = ETLRun.objects.get()
    assert (run.triggered_by, run.partner_source, run.cms_source) == ("schedule", settings.ETL_PARTNER_SOURCE, local_store.cms_url)
    assert run.status == "succeeded"

    settings.ETL_CMS_SOURCE = "none"
    run_scheduled_etl_task.delay().get()
    assert ETLRun.objects.order_by("-pk").first().cms_source == ""
