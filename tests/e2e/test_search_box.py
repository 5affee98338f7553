"""The search box in Chromium: suggestions as you type (an ARIA combobox), keyboard use, and the
"Showing results for ..." notice when the server read the query another way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.xdist_group("e2e")


def test_suggestions_arrows_and_enter_open_a_film(page, screenshot):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search films")
    box.focus()
    page.keyboard.type("salt and ir")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "catalog-suggestions")
    option = listbox.get_by_role("option", name=re.compile("Salt and Iron"))
    expect(option).to_be_visible()
    screenshot(page, "search-suggestions")

    page.keyboard.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(box).to_be_focused()  # the highlight moves, the focus stays in the box
    expect(first).to_contain_text("Salt and Iron")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/movies/\d+$"))
    expect(page.get_by_role("heading", level=1, name="Salt and Iron")).to_be_visible()


def test_escape_closes_and_enter_without_a_highlight_shows_the_catalog(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search films")
    box.focus()
    page.keyboard.type("harbo")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("harbo")  # Escape closed the list; it did not clear the search
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?q=harbo$"))
    expect(page.locator(".grid .card").first).to_contain_text("Harbor Lights")


@pytest.mark.parametrize(
    "typed,interpreted,title",
    [("dom u reki", "дом у реки", "Дом у реки"), ("ctdthysq dtnth", "северный ветер", "Северный ветер")],
)
def test_a_rewritten_query_shows_what_was_searched(page, typed, interpreted, title, screenshot):
    page.goto("/")
    page.get_by_role("combobox", name="Search films").fill(typed)
    page.keyboard.press("Enter")
    expect(page.locator("#catalog-interpreted")).to_have_text(f"Showing results for “{interpreted}”")
    expect(page.locator(".grid .card").first).to_contain_text(title)
    if typed.startswith("dom"):
        screenshot(page, "search-interpreted")
    page.goto("/?q=Salt")
    expect(page.locator(".grid .card").first).to_contain_text("Salt and Iron")
    expect(page.locator("#catalog-interpreted")).to_be_hidden()
