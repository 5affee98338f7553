"""/metrics: who may read it, every metric of the product is exposed, the Grafana dashboard only
queries metrics that exist, and the counters move when the matching action happens."""

from __future__ import annotations

import json
import re

from prometheus_client.parser import text_string_to_metric_families

from cinema_project.celery import app as celery_app
from tests.ops.compose import REPO

PRODUCT_METRIC_MODULES = ("streaming.metrics", "activity.metrics", "etl.metrics", "cinema_project.celery")


@celery_app.task(name="tests.ops.succeed")
def succeed(value):
    return value


@celery_app.task(name="tests.ops.fail")
def fail():
    raise ValueError("this task fails on purpose")


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def product_metrics():
    import importlib

    from prometheus_client.metrics import MetricWrapperBase

    found = {}
    for module_name in PRODUCT_METRIC_MODULES:
        module = importlib.import_module(module_name)
        for attribute in vars(module).values():
            if isinstance(attribute, MetricWrapperBase):
                found[attribute._name] = attribute._type
    return found


# --- who may read it ------------------------------------------------------------------------------


def test_metrics_are_refused_to_addresses_not_allowed(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.20.0.0/16"]
    public = client.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert public.status_code == 403
    assert b"cinema_" not in public.content and b"django_http" not in public.content
    # A forwarded-for header is written by the client: it never opens the door.
    spoofed = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_refuse_writes(client):
    assert client.post("/metrics").status_code == 405


# --- what it exposes ------------------------------------------------------------------------------


def test_every_product_metric_is_exposed(client):
    metrics = product_metrics()
    expected = {
        "cinema_activity_events_accepted", "cinema_activity_events_rejected", "cinema_activity_events_relayed",
        "cinema_activity_events_consumed", "cinema_activity_outbox_backlog", "cinema_activity_outbox_oldest_unsent_age_seconds",
        "cinema_activity_kafka_delivery_errors", "cinema_stream_bytes", "cinema_streams_active", "cinema_etl_rows",
        "cinema_etl_run_duration_seconds", "cinema_celery_tasks",
    }
    assert expected <= set(metrics), expected - set(metrics)
    text = client.get("/metrics").content.decode()
    for name, kind in metrics.items():
        assert f"# TYPE {name} {kind}" in text or f"# TYPE {name}_total {kind}" in text, name
    # django-prometheus: requests and their latency.
    for name in ("django_http_requests_total_by_method_total", "django_http_requests_latency_seconds_by_view_method"):
        assert f"# TYPE {name} " in text or f"# HELP {name} " in text, name


def test_dashboard_queries_only_metrics_that_exist(client):
    dashboard = json.loads((REPO / "deploy/grafana/dashboards/cinema.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 15
    text = client.get("/metrics").content.decode()
    families = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    used = {name for expr in exprs for name in re.findall(r"\b((?:cinema|django)_[a-z0-9_]+)\b", expr)}
    for name in used:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in families or base in families or name.removesuffix("_total") in families, f"dashboard queries unknown {name}"
    # The dashboard covers what the operators were promised.
    for must in ("django_http_responses_total_by_status_total", "django_http_requests_latency_seconds_by_view_method_bucket",
                 "cinema_activity_events_accepted_total", "cinema_activity_outbox_backlog", "cinema_stream_bytes_total",
                 "cinema_etl_rows_total", "cinema_etl_runs_total"):
        assert must in used, must
    provisioned = (REPO / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    assert all(t["datasource"]["uid"] == "prometheus" for p in dashboard["panels"] for t in p.get("targets", []))
    assert "uid: prometheus" in provisioned


# --- counters move --------------------------------------------------------------------------------


def test_request_counters_move(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    after = scrape(client)
    # Three probes and the first scrape.
    assert value(after, "django_http_responses_total_by_status_total", status="200") - value(
        before, "django_http_responses_total_by_status_total", status="200"
    ) == 4


def test_celery_task_outcomes_are_counted(client):
    before = scrape(client)
    assert succeed.apply(args=(5,)).get() == 5
    assert succeed.apply(args=(6,)).get() == 6
    # As a worker runs it: the error is recorded, not raised into the caller.
    result = fail.apply(throw=False)
    assert result.failed() and isinstance(result.result, ValueError)
    after = scrape(client)

    def moved(task, outcome):
        name = "cinema_celery_tasks_total"
        return value(after, name, task=task, outcome=outcome) - value(before, name, task=task, outcome=outcome)

    assert moved("tests.ops.succeed", "success") == 2
    assert moved("tests.ops.fail", "failure") == 1
    assert moved("tests.ops.succeed", "failure") == 0
    duration = "cinema_celery_task_duration_seconds_count"
    assert value(after, duration, task="tests.ops.succeed") - value(before, duration, task="tests.ops.succeed") == 2
