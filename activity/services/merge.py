"""Moving and forgetting a viewer's resume positions: the anonymous merge at sign-in, and the removal
of history entries (one movie, all of them, or everything when an account is deleted)."""

from __future__ import annotations

from django.db import connection, transaction

from activity.models import PlaybackSession, ResumePosition


def merge_viewer_positions(*, source_key: str, target_key: str) -> int:
    """Move every position of `source_key` (an anonymous browser) to `target_key` (an account).

    Per movie the newer position (by the client's clock) wins, so nothing is duplicated and nothing
    newer is overwritten. The source rows are deleted in the same statement: a second merge of the
    same browser finds nothing, and an entry the viewer removed from their history never comes back.
    Returns how many of the account's positions were added or replaced.
    """
    if source_key == target_key:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH moved AS (DELETE FROM activity_resumeposition WHERE viewer_key = %s "
            "RETURNING movie_id, position, duration, watched, occurred_at, updated_at) "
            "INSERT INTO activity_resumeposition AS r (viewer_key, movie_id, position, duration, watched, occurred_at, updated_at) "
            "SELECT %s, movie_id, position, duration, watched, occurred_at, updated_at FROM moved "
            "ON CONFLICT (viewer_key, movie_id) DO UPDATE SET position = EXCLUDED.position, "
            "duration = COALESCE(EXCLUDED.duration, r.duration), watched = EXCLUDED.watched, "
            "occurred_at = EXCLUDED.occurred_at, updated_at = GREATEST(r.updated_at, EXCLUDED.updated_at) "
            "WHERE r.occurred_at < EXCLUDED.occurred_at",
            [source_key, target_key],
        )
        return cursor.rowcount


def forget_positions(*, viewer_key: str, movie_id: int | None = None) -> int:
    """Delete the viewer's positions and playback sessions (of one movie, or all); returns the positions deleted."""
    positions = ResumePosition.objects.filter(viewer_key=viewer_key)
    sessions = PlaybackSession.objects.filter(viewer_key=viewer_key)
    if movie_id is not None:
        positions = positions.filter(movie_id=movie_id)
        sessions = sessions.filter(movie_id=movie_id)
    with transaction.atomic():
        deleted, _ = positions.delete()
        sessions.delete()
    return deleted
