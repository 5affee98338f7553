"""Topic names of the activity pipeline (the name itself is a setting, so tests get a topic each)."""

from __future__ import annotations

from django.conf import settings

ACTIVITY_TOPIC_DEFAULT = "cinema.activity.v1"


def activity_topic() -> str:
    """`cinema.activity.v1` unless KAFKA_ACTIVITY_TOPIC says otherwise."""
    return settings.KAFKA_ACTIVITY_TOPIC or ACTIVITY_TOPIC_DEFAULT
