"""Validation and cleaning of one feed record or CMS document (pure functions, no database).

A record either comes out whole and clean, or raises RecordRejected with a reason a person can act on.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.text import slugify

from catalog.models import COUNTRY_CODES, RUNTIME_MAX, YEAR_MAX, YEAR_MIN, AgeRating, CmsDescription, Genre, Movie
from etl.exceptions import RecordRejected
from people.models import Credit, Job, Person

MAX_BIGINT = 2**63 - 1
TITLE_MAX = Movie._meta.get_field("title").max_length
NAME_MAX = Person._meta.get_field("full_name").max_length
ROLE_MAX = Credit._meta.get_field("role_name").max_length
GENRE_MAX = Genre._meta.get_field("name_en").max_length
AGE_RATINGS = frozenset(AgeRating.values)
CREW_JOBS = frozenset(Job.values) - {Job.ACTOR}
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


class CrewMember(NamedTuple):
    actor_id: int
    full_name: str
    job: str  # one of CREW_JOBS


class GenreName(NamedTuple):
    name: str  # as the feed spells it (a name in any language, or a slug)
    slug: str  # the slug a genre unknown so far is created with


@dataclass(frozen=True, slots=True)
class MovieRecord:
    movie_id: int
    title: str
    language: str
    description: str
    cast: tuple[CastMember, ...] | None  # None: the record has no actor list (credits are left alone)
    year: int | None = None
    runtime: int | None = None
    age_rating: str = ""
    countries: tuple[str, ...] = ()
    genres: tuple[GenreName, ...] | None = None  # None: no genre list (the movie's genres are left alone)
    crew: tuple[CrewMember, ...] | None = None  # None: no crew list (crew credits are left alone)
    warnings: tuple[str, ...] = ()  # values dropped from a record that still loads


@dataclass(frozen=True, slots=True)
class CmsDocument:
    """A CMS document's content. None (a field null or missing) means the document says nothing about it, so
    the partner's value stands; a value, even an empty list, replaces the partner's."""

    movie_id: int
    language: str
    description: str
    cast: tuple[CastMember, ...] | None
    year: int | None = None
    runtime: int | None = None
    age_rating: str | None = None
    countries: tuple[str, ...] | None = None
    genres: tuple[GenreName, ...] | None = None
    crew: tuple[CrewMember, ...] | None = None
    poster: str | None = None  # an image key relative to the CMS prefix, checked by clean_image_key()
    backdrop: str | None = None
    warnings: tuple[str, ...] = ()  # values dropped from a document that still loads


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
    actors = record.get("actors")
    cast = _cast(actors) if actors is not None else None
    warnings: list[str] = []
    year = _bounded_int(record, "year", YEAR_MIN, YEAR_MAX, warnings)
    runtime = _bounded_int(record, "runtime", 1, RUNTIME_MAX, warnings)
    age_rating = _age_rating(record.get("age_rating"), warnings)
    countries = _countries(record.get("countries"), warnings)
    genres = _genres(record.get("genres"))
    crew = _crew(record.get("crew"))
    return MovieRecord(
        movie_id, title, language, description, cast, year, runtime, age_rating, countries, genres, crew, tuple(warnings)
    )


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
    warnings: list[str] = []
    year = _bounded_int(document, "year", YEAR_MIN, YEAR_MAX, warnings)
    runtime = _bounded_int(document, "runtime", 1, RUNTIME_MAX, warnings)
    age_rating = _age_rating(document.get("age_rating"), warnings) or None
    countries = None
    if document.get("countries") is not None:
        countries = _countries(document["countries"], warnings)
        if not countries and document["countries"]:
            countries = None  # every code was dropped: the document says nothing about countries
    genres = _genres(document.get("genres"))
    crew = _crew(document.get("crew"))
    poster = clean_image_key(document.get("poster"), "poster", warnings)
    backdrop = clean_image_key(document.get("backdrop"), "backdrop", warnings)
    return CmsDocument(
        movie_id, language, description, cast, year, runtime, age_rating, countries, genres, crew, poster, backdrop,
        tuple(warnings),
    )


IMAGE_KEY_MAX = 512
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
# Plain relative keys only: segments of letters, digits, '.', '_' and '-' not starting with '.' (so no '..',
# no hidden files), no leading '/', no scheme, no bucket name; the caller puts the CMS prefix in front.
_IMAGE_KEY_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


def clean_image_key(value, field: str, warnings: list[str]) -> str | None:
    """The key of an image a CMS document names, relative to the CMS prefix, or None (with a warning when the
    value is unusable: the document still loads without that image)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        warnings.append(f"{field} must be an image key relative to the CMS prefix, got {_kind(value)}; ignored")
        return None
    if len(value) > IMAGE_KEY_MAX or not _IMAGE_KEY_RE.match(value):
        warnings.append(
            f"{field} {_show(value)} is not a plain key inside the CMS prefix (letters, digits, '.', '_', '-', "
            "'/' between names; no '..', no leading '/', no bucket or scheme); ignored"
        )
        return None
    if not value.lower().endswith(IMAGE_EXTENSIONS):
        warnings.append(f"{field} {_show(value)} must end with {', '.join(IMAGE_EXTENSIONS)}; ignored")
        return None
    return value


def _bounded_int(record: dict, field: str, low: int, high: int, warnings: list[str]) -> int | None:
    # A wrong type is a broken record; an implausible number is one bad value of a good movie.
    value = record.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, str) and (match := _DIGITS_RE.match(value)):
        value = int(match.group(1))
    if type(value) is not int:
        raise RecordRejected(f"{field} must be a whole number, got {_show(value)}")
    if not low <= value <= high:
        warnings.append(f"{field} {value} is outside {low}..{high}; dropped")
        return None
    return value


def _age_rating(value, warnings: list[str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value}+"
    if not isinstance(value, str):
        raise RecordRejected(f"age_rating must be a string such as '12+', got {_show(value)}")
    rating = value.strip().replace(" ", "")
    if rating not in AGE_RATINGS:
        warnings.append(f"age_rating {_show(value)} is not one of {', '.join(AgeRating.values)}; dropped")
        return ""
    return rating


def _countries(value, warnings: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RecordRejected(f"countries must be a list of ISO 3166-1 alpha-2 codes, got {_kind(value)}")
    codes: list[str] = []
    for code in value:
        if not isinstance(code, str):
            raise RecordRejected(f"countries must be a list of strings, got {_show(code)}")
        code = code.strip().upper()
        if code not in COUNTRY_CODES:
            warnings.append(f"country {_show(code)} is not an ISO 3166-1 alpha-2 code; dropped")
        elif code not in codes:
            codes.append(code)
    return tuple(codes)


def _genres(value) -> tuple[GenreName, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordRejected(f"genres must be a list of names, got {_kind(value)}")
    genres: dict[str, GenreName] = {}
    for index, item in enumerate(value):
        if not isinstance(item, str) or not (name := clean_text(item)):
            raise RecordRejected(f"genres[{index}] must be a non-blank name, got {_show(item)}")
        if len(name) > GENRE_MAX:
            raise RecordRejected(f"genres[{index}] is {len(name)} characters long, the limit is {GENRE_MAX}")
        slug = slugify(name) or slugify(name, allow_unicode=True)
        if not slug:
            raise RecordRejected(f"genres[{index}] {_show(item)} has no letters or digits")
        genres.setdefault(name.lower(), GenreName(name, slug))
    return tuple(genres.values())


def _crew(value) -> tuple[CrewMember, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordRejected(f"crew must be a list, got {_kind(value)}")
    crew = []
    for index, member in enumerate(value):
        try:
            if not isinstance(member, dict):
                raise RecordRejected(f"a crew member must be a JSON object, got {_kind(member)}")
            actor_id = parse_id(member.get("actor_id"), "actor_id")
            full_name = _text(member, "full_name", required=True, max_length=NAME_MAX)
            job = member.get("job")
            if not isinstance(job, str) or job.strip().lower() not in CREW_JOBS:
                raise RecordRejected(f"job must be one of {', '.join(sorted(CREW_JOBS))}, got {_show(job)}")
        except RecordRejected as exc:
            raise RecordRejected(f"crew[{index}]: {exc.reason}") from None
        crew.append(CrewMember(actor_id, full_name, job.strip().lower()))
    return tuple(crew)


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
