"""`manage.py create_demo_editor`: one account, one password kept under var/, refused in production."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_creates_the_editor_once_and_prints_a_working_login(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("create_demo_editor")
    first = capsys.readouterr().out
    call_command("create_demo_editor")
    second = capsys.readouterr().out
    assert first == second
    password = (tmp_path / "demo-editor-password").read_text()
    assert f"editor / {password}" in first
    user = authenticate(username="editor", password=password)
    assert user is not None and user.is_staff and user.groups.filter(name="Editors").exists()
    assert user.has_perm("overrides.change_descriptionoverride")


def test_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("create_demo_editor")
