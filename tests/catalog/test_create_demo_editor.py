"""`manage.py create_demo_editor`: one account, one password kept under var/, refused in production."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from tests.factories import editors_group

pytestmark = pytest.mark.django_db


def test_creates_the_editor_once_and_prints_a_working_login(settings, tmp_path, capsys):
    editors_group()  # a transactional test on this worker may have flushed the migrations' data
    settings.VAR_DIR = tmp_path
    call_command("create_demo_editor")
    first = capsys.readouterr().out
    call_command("create_demo_editor")
    second = capsys.readouterr().out
    assert first == second
    password = (tmp_path / "demo-editor-password").read_text()
    assert f"editor / {password}" in first
    user = authenticate(RequestFactory().post("/admin/login/"), username="editor", password=password)
    assert user is not None and user.is_staff and user.groups.filter(name="Editors").exists()
    assert user.has_perm("overrides.change_descriptionoverride")


def test_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("create_demo_editor")


def test_the_editors_group_comes_back_with_its_permissions_after_a_flush():
    from django.contrib.auth.models import Group

    Group.objects.filter(name="Editors").delete()
    group = editors_group()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_descriptionoverride", "run_etl", "view_etlrun", "add_videoasset"} <= codenames
