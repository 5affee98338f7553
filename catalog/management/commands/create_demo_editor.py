"""Create (or reuse) the demo editor account of the embedded mode and print its login."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from core.permissions import EDITORS_GROUP


class Command(BaseCommand):
    help = (
        "Create the demo editor (staff, in the Editors group) if missing and print the login. The password "
        "is generated once and kept in var/demo-editor-password (never in the repository)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor", help="Login name (default: editor).")

    def handle(self, *args, username: str, **options):
        if settings.PRODUCTION:
            raise CommandError("refusing to create a demo account in production (DJANGO_ENV=production)")
        password_file = settings.VAR_DIR / "demo-editor-password"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User(username=username, email=f"{username}@example.com")
            user.is_staff = True
            user.set_password(password)
            user.save()
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
        user.groups.add(Group.objects.get(name=EDITORS_GROUP))
        password = password_file.read_text().strip()
        self.stdout.write(self.style.SUCCESS(f"Demo editor: {username} / {password}  (http://localhost:8002/admin/)"))
