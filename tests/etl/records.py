"""Builders of partner-feed records for the ETL tests."""

from __future__ import annotations


def movie(movie_id, title="A Movie", language="en", description="Partner text.", actors=None, **extra):
    record = {"movie_id": movie_id, "title": title, "language": language, "description": description}
    record["actors"] = actors if actors is not None else []
    record.update(extra)
    return record


def actor(actor_id, full_name, role_name="Role", birth_date=None):
    entry = {"actor_id": actor_id, "full_name": full_name, "role_name": role_name}
    if birth_date is not None:
        entry["birth_date"] = birth_date
    return entry
