"""Viewer accounts in Chromium: sign up, confirm through the emailed link (the backend writes emails to
files), watch, and find the same "continue watching" after signing in from a second browser context."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.test_player import resume_position, seek, start_playing, viewer_id, wait_for

pytestmark = pytest.mark.xdist_group("e2e")

PASSWORD = "popcorn in the dark 42"
LINK_RE = re.compile(r"https?://\S+/account/verify\?uid=[^&\s]+&token=\S+")


def emailed_link(e2e_env, address: str) -> str:
    """The confirmation link in the latest email to `address`, as a path of the app."""
    mail_dir = Path(e2e_env["env"]["EMAIL_FILE_PATH"])

    def find():
        for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True) if mail_dir.exists() else []:
            text = path.read_text()
            if f"To: {address}" in text and (match := LINK_RE.search(text)):
                return match.group(0)
        return None

    link = wait_for(find, message=f"the confirmation email to {address}")
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def sign_in(page, email: str, *, remember: bool = False):
    page.goto("/account/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if remember:
        page.get_by_label("Remember me on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=email)).to_be_visible()


def test_sign_up_confirm_watch_and_continue_on_another_device(page, browser, backend, demo_data, e2e_env, db_read, screenshot):
    movie_id = demo_data["long_video_movie_id"]
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"

    # Watched anonymously first: about half of the film (the test video is 30 s long).
    start_playing(page, movie_id)
    seek(page, 14)
    page.wait_for_function("document.querySelector('video').currentTime > 14.2")
    page.evaluate("document.querySelector('video').pause()")
    anonymous = viewer_id(page)
    wait_for(lambda: (p := resume_position(db_read, anonymous, movie_id)) is not None and p >= 14, message="the anonymous position stored")
    title = page.locator(".movie-hero__title").inner_text()

    # Sign up; the account does not count until the emailed link is followed.
    page.goto("/account/sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("Check your inbox")
    page.goto("/account/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm your email address")

    page.goto(emailed_link(e2e_env, email))
    expect(page.get_by_role("heading", name="Email confirmed")).to_be_visible()

    # Signing in here brings the anonymous viewing into the account.
    sign_in(page, email, remember=True)
    row = page.get_by_role("region", name="Continue watching")
    expect(row).to_contain_text(title)
    screenshot(page, "account-continue-watching")

    def account_position():
        from activity.models import ResumePosition

        return db_read(lambda: ResumePosition.objects.filter(viewer_key__startswith="user:", movie_id=movie_id,
                                                             viewer_key__in=_user_keys(email)).values_list("position", flat=True).first())

    assert account_position() >= 14
    assert resume_position(db_read, anonymous, movie_id) is None  # moved, not copied

    # Another device: a fresh browser context, its own storage and cookies.
    phone = browser.new_context(base_url=backend["url"], viewport={"width": 420, "height": 860})
    try:
        other = phone.new_page()
        other.goto("/")
        expect(other.get_by_role("region", name="Continue watching")).to_have_count(0)
        sign_in(other, email)
        expect(other.get_by_role("region", name="Continue watching")).to_contain_text(title)

        # The list follows too: saved on the phone, seen on the laptop.
        other.goto(f"/movies/{movie_id}")
        other.get_by_role("button", name="+ My list").click()
        expect(other.get_by_role("button", name="✓ In my list")).to_be_visible()
    finally:
        phone.close()
    # From the catalog's cards as well.
    page.goto("/")
    first_card = page.locator(".grid .card").first
    card_title = first_card.locator(".card__title").inner_text()
    # The card's button appears once the account and its list are loaded: wait for it, whichever it is.
    expect(first_card.get_by_role("button", name=re.compile(r"^(Add .* to|Remove .* from) my list$"))).to_be_visible()
    add = first_card.get_by_role("button", name=re.compile(r"^Add .* to my list$"))
    if add.count() == 0:  # it is the film saved on the phone
        card_title = title
    else:
        add.click()
        expect(first_card.get_by_role("button", name=re.compile(r"^Remove .* from my list$"))).to_be_visible()
    page.goto("/my-list")
    saved = page.get_by_role("list", name="My list")
    expect(saved).to_contain_text(title)
    expect(saved).to_contain_text(card_title)
    page.goto("/history")
    expect(page.get_by_role("list", name="Viewing history")).to_contain_text(title)
    page.goto("/account")
    expect(page.get_by_role("list", name="Signed-in sessions")).to_contain_text("This browser")
    screenshot(page, "account-settings")


def _user_keys(email: str) -> list[str]:
    from django.contrib.auth import get_user_model

    return [f"user:{pk}" for pk in get_user_model().objects.filter(email=email).values_list("pk", flat=True)]
