"""`manage.py run_etl` and `manage.py load_demo`: exit codes, one-line errors, summaries, idempotent demo."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import CmsDescription, Movie
from etl.models import ETLRun
from overrides.models import DescriptionOverride
from tests import services
from tests.etl.records import actor, movie

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def test_run_etl_prints_a_summary_and_the_rejected_records(feed_file, local_store, capsys):
    local_store.cms(1, "en", "cms")
    call_command("run_etl", "--partner", feed_file([movie(1, "A", "en", "p", [actor(1, "X")]), movie("x", "Bad")]),
                 "--cms", local_store.cms_url)
    out = capsys.readouterr().out
    assert "ETL done (run #" in out and "movies created=1" in out and "cms created=1" in out and "rejected=1" in out
    assert "rejected partner x [record 2]: movie_id must be an integer" in out


def test_run_etl_reads_the_default_cms_bucket_unless_told_not_to(feed_file, local_store):
    local_store.cms(1, "en", "cms")
    path = feed_file([movie(1, "A", "en", "p")])
    call_command("run_etl", "--partner", path, "--no-cms")
    assert ETLRun.objects.get().cms_source == "" and not CmsDescription.objects.exists()
    call_command("run_etl", "--partner", path)
    assert ETLRun.objects.first().cms_source == "s3://cms-test/cms" and CmsDescription.objects.exists()


def test_run_etl_fails_with_one_line_naming_the_source(feed_file, local_store):
    path = feed_file(b"[{]")
    with pytest.raises(CommandError) as raised:
        call_command("run_etl", "--partner", path, "--no-cms")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("ETL failed (run #") and path in message and "malformed JSON" in message


def test_strict_and_dry_run(feed_file, local_store, capsys):
    path = feed_file([movie(1, "A"), movie(2, "")])
    with pytest.raises(CommandError, match="1 record\\(s\\) rejected in strict mode"):
        call_command("run_etl", "--partner", path, "--no-cms", "--strict")
    call_command("run_etl", "--partner", path, "--no-cms", "--dry-run")
    assert "Dry run, nothing kept" in capsys.readouterr().out and not Movie.objects.exists()


def test_the_command_exits_non_zero_in_a_real_process(tmp_path):
    feed = tmp_path / "bad.json"
    feed.write_text('{"not": "a list"}')
    # A separate process with its own (embedded or DATABASE_URL) database: the real exit code and stderr.
    done = subprocess.run(
        [sys.executable, "manage.py", "run_etl", "--partner", str(feed), "--no-cms", "--no-progress"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "DATABASE_URL": services.test_database_url()},
    )
    _delete_committed_runs(partner_source=str(feed))
    assert done.returncode == 1, done.stderr
    error_lines = [line for line in done.stderr.splitlines() if line.startswith("CommandError")]
    assert len(error_lines) == 1 and "top level is an object, expected a list of movies" in error_lines[0]


def _delete_committed_runs(*, partner_source: str) -> None:
    """The process committed its failed ETLRun in the test database: remove it so other tests start clean."""
    import psycopg

    with psycopg.connect(services.test_database_url(), autocommit=True) as conn:
        conn.execute("DELETE FROM etl_etlrun WHERE partner_source = %s", [partner_source])


def _demo_dir(tmp_path) -> Path:
    demo = tmp_path / "demo"
    shutil.copytree(DATA / "demo", demo)
    return demo


def test_load_demo_shows_all_three_sources_and_is_idempotent(local_store, tmp_path, editor, capsys):
    demo = _demo_dir(tmp_path)
    call_command("load_demo", "--demo-dir", str(demo), "--editor", "editor")
    out = capsys.readouterr().out
    assert "3 of 3 CMS objects (documents and images) written, 2 overrides added" in out
    assert set(Movie.objects.values_list("source_used", flat=True)) == {"override", "cms", "partner"}
    assert set(DescriptionOverride.objects.values_list("author", flat=True)) == {editor.pk}
    assert (local_store.local_root / "cms-test" / "cms" / "1" / "en.json").is_file()
    call_command("load_demo", "--demo-dir", str(demo), "--editor", "editor")
    out = capsys.readouterr().out
    assert "0 of 3 CMS objects (documents and images) written, 0 overrides added" in out
    second = ETLRun.objects.first()
    assert (second.created, second.updated, second.triggered_by) == (0, 0, "demo")
    assert DescriptionOverride.objects.count() == 2


def test_load_demo_into_s3_skips_unchanged_objects(s3_store, tmp_path, capsys):
    demo = _demo_dir(tmp_path)
    call_command("load_demo", "--demo-dir", str(demo))
    assert "3 of 3 CMS objects (documents and images) written" in capsys.readouterr().out
    (demo / "cms" / "1" / "en.json").write_text(json.dumps({"movie_id": 1, "language": "en", "description": "new text"}))
    call_command("load_demo", "--demo-dir", str(demo))
    assert "1 of 3 CMS objects (documents and images) written" in capsys.readouterr().out
    assert Movie.objects.get(external_id=1).description == "new text"
    assert set(DescriptionOverride.objects.values_list("author", flat=True)) == {None}


def test_load_demo_without_a_feed_is_a_clear_error(local_store, tmp_path):
    with pytest.raises(CommandError, match="demo partner feed is missing"):
        call_command("load_demo", "--demo-dir", str(tmp_path))
