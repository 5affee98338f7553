"""WSGI entry point (gunicorn in production); tracing starts here, before Django loads its middleware."""

import os

from django.core.wsgi import get_wsgi_application

from cinema_project.observability import SERVICE_WEB, init_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")

init_tracing(SERVICE_WEB)
application = get_wsgi_application()
