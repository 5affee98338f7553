"""The editors' analytics screens: the catalog-wide dashboard and a movie's retention and QoE."""

from __future__ import annotations

import pytest
from django.test import Client

from analytics.charts import line_chart, nice_top
from tests.analytics.test_api import load
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_browser(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def test_dashboard_empty_state_says_why(editor_browser):
    page = editor_browser.get("/admin/analytics/movieanalytics/")
    assert page.status_code == 200
    assert "No playback sessions in the last 30 days yet" in page.content.decode()


def test_dashboard_with_figures_and_tables(editor_browser):
    shown, hidden = MovieFactory(title="Shown film"), MovieFactory(title="Hidden film", is_published=False)
    load(shown)
    load(hidden)
    html = editor_browser.get("/admin/analytics/movieanalytics/").content.decode()
    assert "Startup time p50 / p95" in html and "<polyline" in html and "Show data as a table" in html
    assert "Shown film" in html and "Hidden film" in html  # editors see the whole catalog
    assert f"/admin/analytics/movieanalytics/{shown.pk}/change/" in html
    assert "720p" in html


def test_movie_page_shows_retention_and_qoe(editor_browser):
    movie = MovieFactory(title="Curve film")
    load(movie)
    page = editor_browser.get(f"/admin/analytics/movieanalytics/{movie.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Still watching" in html and "Share of 3 sessions still watching" in html
    assert "<th scope=\"row\">25 %</th><td>66.7 %</td>" in html
    assert f"/admin/catalog/movie/{movie.pk}/change/" in html


def test_movie_page_without_sessions_and_missing_movie(editor_browser):
    movie = MovieFactory()
    assert "there is no retention curve yet" in editor_browser.get(f"/admin/analytics/movieanalytics/{movie.pk}/change/").content.decode()
    assert editor_browser.get(f"/admin/analytics/movieanalytics/{movie.pk + 99}/change/").status_code == 404


def test_viewers_are_sent_to_the_login(viewer):
    client = Client()
    client.force_login(viewer)
    assert client.get("/admin/analytics/movieanalytics/").status_code == 302


def test_chart_geometry():
    assert nice_top(0) == (1.0, 0.25)
    assert nice_top(7.3) == (8.0, 2.0)
    top, step = nice_top(0.013)
    assert 0.013 <= top < 0.03 and step > 0
    chart = line_chart([0, 5, None], ["a", "b", "c"])
    assert chart.points.count(",") == 3 and [label for _, label in chart.ticks][-1] == "6"
