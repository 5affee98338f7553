"""Browsing by genre in Chromium: chips with facet counts, the URL, the movie's facts, More like this, a director's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.xdist_group("e2e")


def _chip_counts(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        ".chips .chip", "chips => Object.fromEntries(chips.map(c => [c.dataset.genre, c.querySelector('.chip__count').textContent]))"
    )


def test_filter_by_genre_and_see_facet_counts_change(page, screenshot):
    page.goto("/")
    chips = page.locator(".chips .chip")
    expect(chips.first).to_be_visible()
    before = _chip_counts(page)
    drama = page.locator('.chip[data-genre="drama"]')
    drama_count = int(drama.locator(".chip__count").inner_text())
    assert 0 < drama_count

    drama.click()
    expect(page).to_have_url(re.compile(r"/\?genre=drama$"))
    expect(page.locator('.chip[data-genre="drama"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#catalog-status")).to_contain_text(f"{drama_count} film")
    page.wait_for_function("(before) => JSON.stringify(Object.fromEntries([...document.querySelectorAll('.chips .chip')].map(c => [c.dataset.genre, c.querySelector('.chip__count').textContent]))) !== before", arg=str(before).replace("'", '"'))
    after = _chip_counts(page)
    assert after != before and after["drama"] == str(drama_count)
    assert all(int(count) <= drama_count for count in after.values())
    screenshot(page, "catalog-genre")

    # A year range narrows further and lands in the URL too.
    page.get_by_label(re.compile("^Sort")).select_option("-year")
    expect(page).to_have_url(re.compile(r"ordering=-year"))

    page.locator(".grid .card a").first.click()
    expect(page).to_have_url(re.compile(r"/movies/\d+$"))
    facts = page.locator(".movie-hero .facts")
    expect(facts).to_contain_text("Year")
    expect(facts.locator('a[data-genre="drama"]')).to_be_visible()
    expect(page.get_by_role("heading", name="More like this")).to_be_visible()
    screenshot(page, "movie-facts")

    director = facts.locator(".facts__item", has_text="Director").locator("a").first
    name = director.inner_text()
    director.click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(page.locator('.filmography__job[data-job="director"]')).to_be_visible()
