"""The statistics page draws the analytics API's figures as charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

# Grouped for `--dist loadgroup`; under plain `-n` each xdist worker builds its own backend (conftest).
pytestmark = pytest.mark.xdist_group("e2e")


def test_statistics_page_shows_top_movies_watch_time_and_error_rate(page, demo_data, screenshot):
    page.goto("/")
    page.get_by_role("link", name="Statistics").click()
    expect(page).to_have_url(re.compile(r"/stats$"))
    expect(page.get_by_role("heading", level=1, name="Statistics")).to_be_visible()

    bars = page.get_by_role("list", name="Top films by plays").locator(".bar")
    expect(bars.first).to_be_visible()
    labels = bars.locator(".bar__label").all_inner_texts()
    assert labels[:3] == demo_data["top_movie_titles"], labels

    watch = page.get_by_role("img", name=re.compile(r"^Watch time per day: 30 days"))
    errors = page.get_by_role("img", name=re.compile(r"^Playback error rate per day: 30 days"))
    expect(watch).to_be_visible()
    expect(errors).to_be_visible()
    assert watch.locator("circle").count() == 30

    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("img", name=re.compile(r"^Watch time per day: 7 days"))).to_be_visible()
    figure = page.get_by_role("figure", name="Watch time per day")
    figure.locator("summary", has_text="Show data as a table").click()
    expect(figure.get_by_role("table")).to_be_visible()
    assert figure.get_by_role("row").count() == 1 + 7
    screenshot(page, "statistics")
