"""Times as the API and the Kafka messages write them: RFC 3339 with a `Z` for UTC."""

from __future__ import annotations

from datetime import datetime


def rfc3339(moment: datetime) -> str:
    """`moment` (an aware datetime) in ISO 8601 / RFC 3339; UTC is written `Z`, not `+00:00`."""
    return moment.isoformat().replace("+00:00", "Z")
