"""activity.services.merge: moving a browser's positions into an account, and forgetting positions."""

from __future__ import annotations

import pytest

from activity.models import ResumePosition
from activity.services.merge import forget_positions, merge_viewer_positions
from tests.accounts.conftest import position, utc
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def test_merge_keeps_the_newer_position_per_movie_and_moves_the_rest():
    a, b = MovieFactory(), MovieFactory()
    position("anon:x", a, seconds=100, at=utc(2026, 1, 2), duration=None)
    position("anon:x", b, seconds=50, at=utc(2026, 1, 1))
    position("user:1", a, seconds=10, at=utc(2026, 1, 1), duration=600)
    position("user:1", b, seconds=70, at=utc(2026, 1, 3))

    assert merge_viewer_positions(source_key="anon:x", target_key="user:1") == 1  # only `a` was newer
    rows = {r.movie_id: r for r in ResumePosition.objects.filter(viewer_key="user:1")}
    assert (rows[a.pk].position, rows[a.pk].duration) == (100, 600)  # a known duration is not lost
    assert rows[b.pk].position == 70
    assert not ResumePosition.objects.filter(viewer_key="anon:x").exists()
    assert merge_viewer_positions(source_key="anon:x", target_key="user:1") == 0
    assert merge_viewer_positions(source_key="user:1", target_key="user:1") == 0


def test_forget_positions_of_one_movie_or_all():
    a, b = MovieFactory(), MovieFactory()
    for movie in (a, b):
        position("user:1", movie, seconds=10, at=utc(2026, 1, 1))
        position("user:2", movie, seconds=10, at=utc(2026, 1, 1))
    assert forget_positions(viewer_key="user:1", movie_id=a.pk) == 1
    assert forget_positions(viewer_key="user:1") == 1
    assert ResumePosition.objects.filter(viewer_key="user:2").count() == 2
