"""Hypothesis properties of the ETL record cleaner: any JSON value is either cleaned or rejected."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from etl.cleaning import clean_movie, clean_text, parse_id
from etl.exceptions import RecordRejected

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@given(st.text())
def test_clean_text_leaves_no_tags_and_normalised_whitespace(value):
    cleaned = clean_text(value)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\n" not in cleaned and "\t" not in cleaned


@given(st.text(alphabet=st.characters(blacklist_characters="<&", blacklist_categories=("Cc", "Cs"))))
def test_clean_text_of_plain_text_only_collapses_whitespace(value):
    assert clean_text(value) == " ".join(value.split())


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_ids_as_integers_or_numeric_strings_are_the_same_id(number):
    assert parse_id(number, "movie_id") == number
    assert parse_id(str(number), "movie_id") == number


@given(json_values)
def test_any_value_as_an_id_is_accepted_positive_or_rejected(value):
    try:
        number = parse_id(value, "movie_id")
    except RecordRejected as exc:
        assert "movie_id" in str(exc)
    else:
        assert isinstance(number, int) and 0 < number <= 2**63 - 1


@given(st.dictionaries(st.sampled_from(["movie_id", "title", "language", "description", "actors"]), json_values))
def test_any_record_is_cleaned_or_rejected_with_a_reason(record):
    try:
        movie = clean_movie(record)
    except RecordRejected as exc:
        assert str(exc)
    else:
        assert movie.title and movie.title == movie.title.strip()
        assert "<" not in movie.description or "&" in record.get("description", "")
