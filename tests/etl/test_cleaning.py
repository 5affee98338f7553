"""Cleaning and validation of single records (no database)."""

from __future__ import annotations

import datetime

import pytest

from etl.cleaning import clean_cms_document, clean_movie, clean_text, parse_id
from etl.exceptions import RecordRejected


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("<p>Hello&nbsp;<b>world</b></p>", "Hello world"),
        ("  many\n\t spaces  ", "many spaces"),
        ("a<br/>b", "a b"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ("<!-- note -->Text", "Text"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("2 < 3 and 5 > 4", "2 < 3 and 5 > 4"),
        ("&lt;b&gt; stays literal", "<b> stays literal"),
        ("nul\x00byte", "nulbyte"),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize("value, expected", [(17, 17), ("17", 17), (" 42 ", 42), ("+5", 5)])
def test_ids_as_numbers_or_numeric_strings(value, expected):
    assert parse_id(value, "movie_id") == expected


@pytest.mark.parametrize("value", ["abc", "1.5", 1.5, 17.0, True, None, "", 0, -3, "99999999999999999999", [1], {"id": 1}])
def test_anything_else_is_rejected(value):
    with pytest.raises(RecordRejected, match="movie_id"):
        parse_id(value, "movie_id")


def test_clean_movie_normalises_every_field():
    movie = clean_movie({
        "movie_id": "7", "title": "  The <i>Title</i> ", "language": " EN ", "description": "<p>Text</p>",
        "actors": [{"actor_id": "3", "full_name": " Ann  Lee ", "role_name": None, "birth_date": "1970-01-02"}],
    })
    assert (movie.movie_id, movie.title, movie.language, movie.description) == (7, "The Title", "en", "Text")
    assert movie.cast[0].actor_id == 3 and movie.cast[0].full_name == "Ann Lee" and movie.cast[0].role_name == ""
    assert movie.cast[0].birth_date == datetime.date(1970, 1, 2)


def test_missing_actor_list_means_no_cast_information_and_missing_description_is_empty():
    movie = clean_movie({"movie_id": 1, "title": "T", "language": "ru"})
    assert movie.cast is None and movie.description == ""


@pytest.mark.parametrize(
    "record, reason",
    [
        ("not an object", "must be a JSON object"),
        ({"title": "T", "language": "en"}, "movie_id is missing"),
        ({"movie_id": 1, "title": "   ", "language": "en"}, "title is blank"),
        ({"movie_id": 1, "title": "<b></b>", "language": "en"}, "title is blank"),
        ({"movie_id": 1, "language": "en"}, "title is missing"),
        ({"movie_id": 1, "title": "T" * 256, "language": "en"}, "title is 256 characters long, the limit is 255"),
        ({"movie_id": 1, "title": "T", "language": "english"}, "language must be"),
        ({"movie_id": 1, "title": "T"}, "language must be"),
        ({"movie_id": 1, "title": ["T"], "language": "en"}, "title must be a string"),
        ({"movie_id": 1, "title": "T", "language": "en", "actors": "Ann"}, "actors must be a list"),
        ({"movie_id": 1, "title": "T", "language": "en", "actors": [5]}, r"actors\[0\]: an actor must be a JSON object"),
        ({"movie_id": 1, "title": "T", "language": "en", "actors": [{"actor_id": "x", "full_name": "A"}]}, r"actors\[0\]: actor_id"),
        ({"movie_id": 1, "title": "T", "language": "en", "actors": [{"actor_id": 2}]}, "full_name is missing"),
        ({"movie_id": 1, "title": "T", "language": "en",
          "actors": [{"actor_id": 2, "full_name": "A", "role_name": "R" * 300}]}, "role_name is 300 characters"),
        ({"movie_id": 1, "title": "T", "language": "en",
          "actors": [{"actor_id": 2, "full_name": "A", "birth_date": "31/12/1970"}]}, "birth_date must be a YYYY-MM-DD"),
        ({"movie_id": 1, "title": "T", "language": "en",
          "actors": [{"actor_id": 2, "full_name": "A", "birth_date": "2999-01-01"}]}, "not a plausible date"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(record, reason):
    with pytest.raises(RecordRejected, match=reason):
        clean_movie(record)


def test_cms_document_must_agree_with_its_key():
    document = clean_cms_document({"movie_id": "4", "language": "en", "description": "<p>x</p>"}, movie_id=4, language="en")
    assert (document.movie_id, document.language, document.description, document.cast) == (4, "en", "x", None)
    with pytest.raises(RecordRejected, match="does not match the key's movie id 5"):
        clean_cms_document({"movie_id": 4, "language": "en", "description": "x"}, movie_id=5, language="en")
    with pytest.raises(RecordRejected, match="does not match the key's language"):
        clean_cms_document({"movie_id": 4, "language": "ru", "description": "x"}, movie_id=4, language="en")
    with pytest.raises(RecordRejected, match="description is missing"):
        clean_cms_document({"movie_id": 4, "language": "en"}, movie_id=4, language="en")
