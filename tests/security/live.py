"""The production server for the live hostile-input, load and schemathesis tests: gunicorn with the repo's
gunicorn.conf.py (gthread workers), in production mode, against a PostgreSQL server of its own.

Throttles are raised far above what the tests send (they are tested in test_limits.py); everything
else is as deployed.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass

from tests.faults.live import production_env
from tests.services import ControlledPostgres, Gunicorn, manage

SEED = """
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from catalog.models import Movie
from django.contrib.auth import get_user_model
from overrides.models import DescriptionOverride
from people.models import Credit, Person
editor = get_user_model().objects.create_user('live-editor', password='unused-' + 'x' * 20, is_staff=True)
editor.groups.add(Group.objects.get(name='Editors'))
token = Token.objects.create(user=editor)
ids = {'movies': [], 'people': [], 'overrides': []}
for n in range(1, 6):
    movie = Movie.objects.create(external_id=n, title=f'Live Picture {n}', language='en', partner_description='d', description='d')
    person = Person.objects.create(external_id=n, full_name=f'Live Actor {n}')
    Credit.objects.create(movie=movie, person=person, role_name='Lead', billing_order=1)
    override = DescriptionOverride.objects.create(movie=movie, language='ru', text='live override', author=editor)
    ids['movies'].append(movie.pk); ids['people'].append(person.pk); ids['overrides'].append(override.pk)
# The editor's own viewer objects, so the /me/ operations with an id are fuzzed too.
from accounts.models import MyListItem, UserSession
from activity.identity import viewer_key_for
from activity.models import ResumePosition
from django.utils import timezone
for n, movie_id in enumerate(ids['movies']):
    MyListItem.objects.create(user=editor, movie_id=movie_id)
    ResumePosition.objects.create(viewer_key=viewer_key_for(user=editor), movie_id=movie_id, position=30.0 + n,
                                  duration=600.0, occurred_at=timezone.now(), updated_at=timezone.now())
ids['list'] = ids['history'] = ids['movies']
ids['sessions'] = [UserSession.objects.create(user=editor, session_key=f'live-session-{n}').pk for n in range(2)]
hidden = Movie.objects.create(external_id=99, title='Live Hidden', language='en', partner_description='d', description='d', is_published=False)
ids['hidden'] = hidden.pk
import json; print('SEED=' + json.dumps({'token': token.key, 'ids': ids}))
"""


@dataclass
class LiveApp:
    server: Gunicorn
    postgres: ControlledPostgres
    token: str
    ids: dict

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def port(self) -> int:
        return self.server.port

    def close(self) -> None:
        self.server.close()
        self.postgres.close()


def start_live_app(var_dir, *, workers: int = 2, threads: int = 16, **extra_env: str) -> LiveApp:
    postgres = ControlledPostgres()
    try:
        env = production_env(
            database_url=postgres.url,
            var_dir=var_dir,
            THROTTLE_SEARCH="1000000/min",
            THROTTLE_INGEST_VIEWER="1000000/min",
            THROTTLE_INGEST_IP="1000000/min",
            GUNICORN_ACCESSLOG="off",
            **extra_env,
        )
        manage(env, "migrate", "--noinput")
        out = manage(env, "shell", "-c", SEED)
        seed = json.loads(out.split("SEED=", 1)[1])
        server = Gunicorn(env, workers=workers, threads=threads, config=True)
        server.start(timeout=60)
    except BaseException:
        postgres.close()
        raise
    return LiveApp(server=server, postgres=postgres, token=seed["token"], ids=seed["ids"])


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def closes(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


def read_response(sock: socket.socket, *, timeout: float = 10.0) -> RawResponse:
    """One HTTP/1.1 response (Content-Length or chunked framing) from `sock`; ConnectionError if none."""
    sock.settimeout(timeout)
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a response (got {buffer[:200]!r})")
        buffer += chunk
    head, rest = buffer.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a response body")
            rest += chunk
        return RawResponse(status, headers, rest[:length])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a chunked body")
            rest += chunk
        body, data = b"", rest
        while True:
            size_line, _, data = data.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            body, data = body + data[:size], data[size + 2:]
        return RawResponse(status, headers, body)
    return RawResponse(status, headers, rest)


def wait_until_ready(app: LiveApp, *, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{app.base_url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)
