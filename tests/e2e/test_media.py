"""Images and seek previews in Chromium against the real backend: the demo videos gave their movies
posters and seek previews; a poster loads on the movie page and in the catalog, and hovering or dragging
the seek bar shows the frame under the pointer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.xdist_group("e2e")


def movie_with_media(page) -> dict:
    movies = page.request.get("/api/v1/movies/?limit=100&ordering=id").json()["results"]
    with_poster = [movie for movie in movies if movie["poster"]]
    assert with_poster, "the demo videos should have given their movies posters"
    return page.request.get(f"/api/v1/movies/{with_poster[0]['id']}/").json()


def test_poster_loads(page, screenshot):
    movie = movie_with_media(page)
    assert [s["width"] for s in movie["poster"]] == [160, 320]  # the demo videos are 480 px wide
    page.goto(f"/movies/{movie['id']}")
    hero = page.locator(".movie-hero .cover__image")
    expect(hero).to_have_attribute("srcset", f"{movie['poster'][0]['url']} 160w, {movie['poster'][1]['url']} 320w")
    page.wait_for_function("() => { const img = document.querySelector('.movie-hero .cover__image'); return img && img.complete && img.naturalWidth > 0; }")

    page.goto(f"/?q={movie['title']}")
    card = page.locator(".card .cover__image").first
    expect(card).to_have_attribute("loading", "lazy")
    card.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.card .cover__image')].some((img) => img.complete && img.naturalWidth > 0)")
    screenshot(page, "catalog-posters")


def test_seek_bar_shows_previews(page, screenshot):
    movie = movie_with_media(page)
    assert movie["trickplay_url"] == f"/api/v1/movies/{movie['id']}/trickplay.vtt"
    page.goto(f"/movies/{movie['id']}")
    expect(page.locator("video")).to_be_visible()  # rendered once the movie's answer is in; the predicate needs it
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    bar = page.locator(".player__seek")
    expect(bar).to_be_visible()
    expect(page.locator(".player__seek-row")).to_have_attribute("data-previews", re.compile(r"^[1-9][0-9]*$"))
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    preview = page.locator(".player__preview")

    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2, steps=4)
    expect(preview).to_be_visible()
    expect(page.locator(".player__preview-time")).not_to_have_text("")
    image = page.locator(".player__preview-image")
    background = image.evaluate("el => getComputedStyle(el).backgroundImage")
    assert f"/api/v1/movies/{movie['id']}/trickplay/" in background
    position = image.evaluate("el => el.style.backgroundPosition")
    assert position not in ("0px 0px", "-0px -0px")  # three quarters in: not the first tile
    sheet_url = background.split('"')[1]
    sheet = page.request.get(sheet_url)
    assert sheet.ok and sheet.headers["content-type"] == "image/jpeg"

    # Dragging seeks and keeps the preview up until the button is let go.
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2, steps=3)
    expect(preview).to_be_visible()
    screenshot(page, "seek-preview")
    page.mouse.up()
    page.wait_for_function("Math.abs(document.querySelector('video').currentTime - document.querySelector('video').duration / 2) < 3")
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] - 200)
    expect(preview).to_be_hidden()
