"""Validation and cleaning of one feed record or CMS document (pure functions, no database).

A record either comes out whole and clean, or raises RecordRejected with a reason a person can act on.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass
from typing import NamedTuple

from catalog.models import CmsDescription, Movie
from etl.exceptions import RecordRejected
from people.models import Credit, Person

MAX_BIGINT = 2**63 - 1
TITLE_MAX = Movie._meta.get_field("title").max_length
NAME_MAX = Person._meta.get_field("full_name").max_length
ROLE_MAX = Credit._meta.get_field("role_name").max_length
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
assert CmsDescription._meta.get_field("language").max_length == 3

_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
# PostgreSQL refuses NUL in text; other control characters are noise from bad exports.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS_RE = re.compile(r"^\s*\+?(\d{1,19})\s*$")


class CastMember(NamedTuple):  # a tuple: hundreds of thousands are built per run
    actor_id: int
    full_name: str
    role_name: str
    birth_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class MovieRecord:
    movie_id: int
    title: str
    language: str
    description: str
    cast: tuple[CastMember, ...] | None  # None: the record has no actor list (credits are left alone)


@dataclass(frozen=True, slots=True)
class CmsDocument:
    movie_id: int
    language: str
    description: str
    cast: tuple[CastMember, ...] | None


def clean_text(value: str) -> str:
    """Plain text: HTML tags, comments and scripts removed, entities decoded, whitespace collapsed."""
    # Fast path for the common, already clean value (C-level checks only).
    if value.isprintable() and "<" not in value and "&" not in value and "  " not in value and value == value.strip():
        return value
    if "<" in value:
        value = _SCRIPT_RE.sub(" ", value)
        value = _COMMENT_RE.sub(" ", value)
        value = _TAG_RE.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    value = _CONTROL_RE.sub("", value)
    return " ".join(value.split())


def parse_id(value, field: str) -> int:
    """A positive integer id; numeric strings ("17") are accepted, anything else is rejected."""
    if type(value) is int and 0 < value <= MAX_BIGINT:
        return value
    if isinstance(value, bool):
        raise RecordRejected(f"{field} must be an integer or a numeric string, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and (match := _DIGITS_RE.match(value)):
        number = int(match.group(1))
    elif value is None:
        raise RecordRejected(f"{field} is missing")
    else:
        raise RecordRejected(f"{field} must be an integer or a numeric string, got {_show(value)}")
    if not 0 < number <= MAX_BIGINT:
        raise RecordRejected(f"{field} must be a positive 64-bit integer, got {number}")
    return number


def display_id(record, field: str) -> str:
    """The record's id as given, for the report (also when it is invalid)."""
    if isinstance(record, dict) and field in record:
        value = record[field]
        return value if isinstance(value, str) and len(value) <= 255 else _show(value)[:255]
    return ""


def clean_movie(record) -> MovieRecord:
    if not isinstance(record, dict):
        raise RecordRejected(f"a movie must be a JSON object, got {_kind(record)}")
    movie_id = parse_id(record.get("movie_id"), "movie_id")
    title = _text(record, "title", required=True, max_length=TITLE_MAX)
    language = _language(record.get("language"))
    description = _text(record, "description", required=False)
    cast = _cast(record["actors"]) if "actors" in record else None
    return MovieRecord(movie_id, title, language, description, cast)


def clean_cms_document(document, *, movie_id: int, language: str) -> CmsDocument:
    """A CMS document stored at <prefix>/<movie_id>/<language>.json; its body must agree with its key."""
    if not isinstance(document, dict):
        raise RecordRejected(f"a CMS document must be a JSON object, got {_kind(document)}")
    if "movie_id" in document and parse_id(document["movie_id"], "movie_id") != movie_id:
        raise RecordRejected(f"movie_id {document['movie_id']!r} does not match the key's movie id {movie_id}")
    if "language" in document and _language(document["language"]) != language:
        raise RecordRejected(f"language {document['language']!r} does not match the key's language {language!r}")
    description = _text(document, "description", required=True)
    cast = _cast(document["actors"]) if document.get("actors") is not None else None
    return CmsDocument(movie_id, language, description, cast)


def _cast(actors) -> tuple[CastMember, ...]:
    if not isinstance(actors, list):
        raise RecordRejected(f"actors must be a list, got {_kind(actors)}")
    cast = []
    today = datetime.date.today()
    for index, actor in enumerate(actors):
        try:
            cast.append(_cast_member(actor, today))
        except RecordRejected as exc:
            raise RecordRejected(f"actors[{index}]: {exc.reason}") from None
    return tuple(cast)


def _cast_member(actor, today: datetime.date) -> CastMember:
    if not isinstance(actor, dict):
        raise RecordRejected(f"an actor must be a JSON object, got {_kind(actor)}")
    actor_id = actor.get("actor_id")
    if type(actor_id) is not int or not 0 < actor_id <= MAX_BIGINT:
        actor_id = parse_id(actor_id, "actor_id")
    full_name = _text(actor, "full_name", required=True, max_length=NAME_MAX)
    role_name = actor.get("role_name")
    if type(role_name) is str and len(role_name) <= ROLE_MAX:
        role_name = clean_text(role_name)  # the common case inline (it runs per credit); cleaning never lengthens
    else:
        role_name = _text(actor, "role_name", required=False, max_length=ROLE_MAX)
    return CastMember(actor_id, full_name, role_name, _birth_date(actor.get("birth_date"), today))


def _birth_date(value, today: datetime.date) -> datetime.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise RecordRejected(f"birth_date must be a YYYY-MM-DD string, got {_show(value)}")
    try:
        date = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise RecordRejected(f"birth_date must be a YYYY-MM-DD date, got {_show(value)}") from None
    if date > today or date.year < 1800:
        raise RecordRejected(f"birth_date {value} is not a plausible date of birth")
    return date


def _language(value) -> str:
    if not isinstance(value, str) or not LANGUAGE_RE.match(code := value.strip().lower()):
        raise RecordRejected(f"language must be a two- or three-letter code, got {_show(value)}")
    return code


def _text(record: dict, field: str, *, required: bool, max_length: int | None = None) -> str:
    value = record.get(field)
    if value is None:
        if required:
            raise RecordRejected(f"{field} is missing")
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RecordRejected(f"{field} must be a string, got {_kind(value)}")
    text = clean_text(value)
    if required and not text:
        raise RecordRejected(f"{field} is blank")
    if max_length is not None and len(text) > max_length:
        # Reported, never cut: a truncated title would be published as if it were right.
        raise RecordRejected(f"{field} is {len(text)} characters long, the limit is {max_length}")
    return text


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
