"""Transactions that lost a race in PostgreSQL (a deadlock or a serialization failure) are run again
from the start, a few times, instead of failing the request: such a loss says nothing about the
database being unavailable, and redoing the work is safe because the writes are idempotent."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, transaction

from core.exceptions import DomainError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# deadlock_detected, serialization_failure
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 6


class WriteConflict(DomainError):
    """The write kept colliding with concurrent writes of the same rows; sending it again is safe."""

    status_code = 409
    code = "write_conflict"


def lost_a_race(exc: BaseException) -> bool:
    """True when `exc` is PostgreSQL aborting the transaction for a deadlock or serialization failure."""
    cause = exc.__cause__ or exc
    return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) in RETRYABLE_SQLSTATES


def atomic_with_retry(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """`work()` in one transaction, run again (after a short random pause) when it lost a race."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except DatabaseError as exc:
            if not lost_a_race(exc):
                raise
            if attempt == attempts:
                logger.warning("transaction lost a race %d times, giving up: %s", attempts, exc)
                raise WriteConflict() from exc
            logger.info("transaction lost a race (attempt %d), retrying: %s", attempt, exc)
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise AssertionError("unreachable")
