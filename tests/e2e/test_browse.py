"""Browsing in Chromium: search the catalog, open a film, open an actor from its cast."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

# Grouped for `--dist loadgroup`; under plain `-n` each xdist worker builds its own backend (conftest).
pytestmark = pytest.mark.xdist_group("e2e")

TITLE = "The Lighthouse Keeper's Daughter"  # demo movie 1: one of the movies given a demo video


def test_search_open_movie_and_actor(page, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", name="Films to watch tonight")).to_be_visible()
    cards = page.locator(".grid .card")
    expect(cards.first).to_be_visible()
    screenshot(page, "catalog")

    page.get_by_label("Search films").fill("lighthouse keeper")
    expect(page).to_have_url(re.compile(r"/\?q=lighthouse\+keeper$"))
    expect(page.locator("#catalog-status")).to_contain_text("found for “lighthouse keeper”")
    expect(cards.first).to_contain_text(TITLE)
    screenshot(page, "search")

    page.get_by_role("link", name=TITLE).first.click()
    expect(page).to_have_url(re.compile(r"/movies/\d+$"))
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(page.locator("video")).to_be_visible()
    page.wait_for_function("document.querySelector('video').readyState >= 2")  # the first frame shows
    expect(page.locator(".description")).not_to_be_empty()
    expect(page.locator(".source .badge")).to_be_visible()
    screenshot(page, "movie")

    # RU / EN: the description comes in the chosen language, and says where it came from.
    english = page.locator(".description").inner_text()
    page.get_by_role("button", name="Descriptions in Русский").click()
    expect(page.locator(".description")).to_have_attribute("lang", "ru")
    expect(page.locator(".description")).not_to_have_text(english)
    expect(page.locator(".source .badge")).to_have_text("Editorial (CMS)")
    expect(page.get_by_role("group", name="Description language").get_by_role("button", name="Russian")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Descriptions in English").click()
    expect(page.locator(".description")).to_have_text(english)

    first_actor = page.locator(".cast__link").first
    name = first_actor.locator(".cast__name").inner_text()
    first_actor.click()
    expect(page).to_have_url(re.compile(r"/people/\d+$"))
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(page.locator(".grid .card", has_text=TITLE)).to_be_visible()
    screenshot(page, "actor")

    # The back button walks the history the app wrote: actor -> movie -> search.
    page.go_back()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Search films")).to_have_value("lighthouse keeper")


def test_nothing_found_and_shareable_url(page):
    page.goto("/?q=zzqqxxnothing")
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()
    expect(page.get_by_label("Search films")).to_have_value("zzqqxxnothing")
    page.get_by_role("link", name="Clear search").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".grid .card").first).to_be_visible()


def test_language_filter_and_paging(page):
    page.goto("/")
    page.get_by_label("Original language").select_option("ru")
    expect(page).to_have_url(re.compile(r"/\?language=ru$"))
    # The filtered page replaces the grid (loading skeletons first): wait until the cards shown are the
    # answer's, then every one of them must be a Russian-language film.
    page.wait_for_function(
        "() => { const chips = [...document.querySelectorAll('.grid .card:not(.card--skeleton) .chip')];"
        " return chips.length > 0 && chips.every((chip) => chip.textContent.trim() === 'RU'); }"
    )
    chips = page.locator(".grid .card:not(.card--skeleton) .chip").all_inner_texts()
    assert chips and set(chips) == {"RU"}

    page.goto("/?page=2")
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Page 1").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_phone_layout_and_keyboard_only(browser, backend, screenshot):
    context = browser.new_context(base_url=backend["url"], viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator(".grid .card").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone"
        screenshot(page, "catalog-phone")

        # Keyboard only: the skip link comes first, then search, filter, and the result cards.
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        page.get_by_label("Search films").focus()
        page.keyboard.type("salt and iron")
        expect(page.locator("#catalog-status")).to_contain_text("found for “salt and iron”")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Original language")).to_be_focused()
        # Then the other filters (year, country, age rating, sort, genres), then the result cards.
        card = page.get_by_role("link", name="Salt and Iron")
        for _ in range(30):
            page.keyboard.press("Tab")
            if card.evaluate("element => element === document.activeElement"):
                break
        expect(card).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1, name="Salt and Iron")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "movie-phone")
    finally:
        context.close()
