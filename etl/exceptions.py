"""Errors of the ETL: a source that cannot be read as a whole fails the run with one clear line."""

from __future__ import annotations

from core.exceptions import DomainError, StorageUnavailable


class FeedError(DomainError):
    """A source cannot be read or parsed; nothing was loaded."""

    code = "feed_error"


class StrictModeRejection(FeedError):
    """Strict mode: a record was rejected, so nothing was loaded."""

    code = "strict_rejection"


class SourceUnavailable(StorageUnavailable):
    """The object store holding a source is unreachable; try again shortly."""

    code = "source_unavailable"


class RecordRejected(Exception):
    """One record is invalid; it is reported and skipped, the rest loads."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def one_line(exc: BaseException, *, limit: int | None = None) -> str:
    """The error as one line for a person (run history, command output): its message, whitespace collapsed."""
    text = " ".join((getattr(exc, "message", None) or str(exc) or type(exc).__name__).split())
    return text[:limit] if limit is not None else text
