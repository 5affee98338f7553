"""Properties of the query-side text functions: normalisation, transliteration, layout, typo keys."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from search import layout, transliteration, typos
from search.normalise import normalise

RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
LATIN = "abcdefghijklmnopqrstuvwxyz"
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=60)


# --- normalisation -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw,expected",
    [("Ёлки-палки!", "елки палки"), ("Łódź Çé Über", "lodz ce uber"), ("Don't  «Look» Up…", "dont look up"),
     ("Spider-Man: Homecoming", "spider man homecoming"), ("Straße Æon Œuvre", "strasse aeon oeuvre"),
     ("Йошкар-Ола", "йошкар ола"), ("d’Artagnan", "dartagnan"), ("  ", "")],
)
def test_normalise_examples(raw, expected):
    assert normalise(raw) == expected


@given(text)
def test_normalise_is_idempotent_and_yields_lowercase_words(value):
    once = normalise(value)
    assert normalise(once) == once
    assert once == once.lower() and "ё" not in once
    assert all(word.isalnum() for word in once.split())
    assert "  " not in once and once == once.strip()


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=RUSSIAN + RUSSIAN.upper() + LATIN + "éüłçñøåßÉÜŁÇ '’-:!?«».,0123456789", max_size=40))
def test_python_and_sql_normalisation_agree(value):
    """Documents are normalised by SQL (unaccent), queries by Python: they must read text alike."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_norm(%s)", [value])
        assert cursor.fetchone()[0] == normalise(value)


# --- keyboard layout -----------------------------------------------------------------------------

def test_layout_examples():
    assert layout.to_russian_layout("ghbdtn") == "привет"
    assert layout.to_english_layout("руддщ") == "hello"
    assert layout.to_russian_layout(",hfn") == "брат"
    assert layout.to_russian_layout("Ntcn") == "Тест"


@given(st.text(alphabet=RUSSIAN.replace("ё", "") + " ", max_size=30))
def test_layout_round_trip_from_russian(value):
    assert layout.to_russian_layout(layout.to_english_layout(value)) == value


@given(st.text(alphabet=LATIN + " ", max_size=30))
def test_layout_round_trip_from_english(value):
    assert layout.to_english_layout(layout.to_russian_layout(value)) == value


# --- transliteration -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "latin,cyrillic",
    [("dom u reki", "дом у реки"), ("sibirskiy", "сибирский"), ("sibirskij", "сибирский"), ("polyarnaya zvezda", "полярная звезда"),
     ("shchuka", "щука"), ("zhizn", "жизн"), ("khabenskiy", "хабенский"), ("ekspress", "экспресс"), ("sergey", "сергей"),
     ("tsar", "цар")],
)
def test_latin_to_cyrillic_examples(latin, cyrillic):
    assert transliteration.latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(
    "latin,reading",
    [("leviafan", "левиафан"), ("detstvo", "детство"), ("bratstvo", "братство"), ("novye krasnye", "новые красные"),
     ("rayon", "район"), ("yoga", "йога"), ("mayor", "майор"), ("radius", "радиус"), ("sotsialnyy", "социалный")],
)
def test_ambiguous_pairs_have_their_letter_by_letter_reading(latin, reading):
    readings = transliteration.latin_readings(latin)
    assert readings[0] == transliteration.latin_to_cyrillic(latin)  # the usual reading stays first
    assert reading in readings and readings[0] != reading


@pytest.mark.parametrize("latin", ["mariia", "iuliia", "tsar", "gorodets", "polyarnaya", "yelka", "sibirskiy ekspress"])
def test_the_usual_reading_of_scheme_spellings_is_kept_first(latin):
    expected = {"mariia": "мария", "iuliia": "юлия", "tsar": "цар", "gorodets": "городец", "polyarnaya": "полярная",
                "yelka": "елка", "sibirskiy ekspress": "сибирский экспресс"}[latin]
    assert transliteration.latin_readings(latin)[0] == expected


def test_unambiguous_text_has_one_reading():
    assert transliteration.latin_readings("dom u reki") == ["дом у реки"]


@given(st.text(alphabet=LATIN + " '", max_size=30))
def test_every_reading_leaves_no_latin(value):
    for reading in transliteration.latin_readings(value):
        assert not any(ch in LATIN for ch in reading)


def test_cyrillic_to_latin_examples():
    assert transliteration.cyrillic_to_latin("интерстеллар") == "interstellar"
    assert transliteration.cyrillic_to_latin("Щука и Ёж") == "shchuka i ezh"


@given(st.text(alphabet=RUSSIAN + " ", max_size=30))
def test_cyrillic_to_latin_leaves_no_cyrillic(value):
    assert transliteration.script(transliteration.cyrillic_to_latin(value)) in ("latin", None)
    assert not any(ch in RUSSIAN for ch in transliteration.cyrillic_to_latin(value))


@given(st.text(alphabet=LATIN + " '", max_size=30))
def test_latin_to_cyrillic_leaves_no_latin(value):
    assert not any(ch in LATIN for ch in transliteration.latin_to_cyrillic(value))


@given(st.text(alphabet="абвдзклмнопруф", min_size=1, max_size=12))
def test_unambiguous_letters_round_trip(value):
    assert transliteration.latin_to_cyrillic(transliteration.cyrillic_to_latin(value)) == value


# --- typos ---------------------------------------------------------------------------------------

word = st.text(alphabet=LATIN[:8] + RUSSIAN[:6], min_size=1, max_size=14)


def _one_edit(draw_word: str, data) -> str:
    i = data.draw(st.integers(0, len(draw_word) - 1))
    kind = data.draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
    letter = data.draw(st.sampled_from(LATIN[:8]))
    if kind == "delete":
        return draw_word[:i] + draw_word[i + 1 :]
    if kind == "insert":
        return draw_word[:i] + letter + draw_word[i:]
    if kind == "replace":
        return draw_word[:i] + letter + draw_word[i + 1 :]
    if i + 1 < len(draw_word):
        return draw_word[:i] + draw_word[i + 1] + draw_word[i] + draw_word[i + 2 :]
    return draw_word


@given(word, word)
def test_distance_is_a_symmetric_metric_on_examples(a, b):
    assert typos.distance(a, b) == typos.distance(b, a)
    assert (typos.distance(a, b) == 0) == (a == b)


@given(st.text(alphabet=LATIN, min_size=5, max_size=14), st.data())
def test_every_allowed_typo_is_found_through_the_keys(lexeme, data):
    """A word one or two edits from a lexeme shares a delete-neighbourhood key with it, when allowed."""
    typed = _one_edit(lexeme, data)
    if len(lexeme) >= 10 and data.draw(st.booleans()):
        typed = _one_edit(typed, data)
    allowed = typos.allowed_typos(typed)
    if typos.distance(typed, lexeme) <= allowed:
        assert typos.deletes(typed, allowed) & typos.deletes(lexeme, typos.lexeme_depth(lexeme))


def test_allowed_typos_follow_word_length():
    assert [typos.allowed_typos("x" * n) for n in (3, 4, 5, 8, 9, 12)] == [0, 0, 1, 1, 2, 2]


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(word, word)
def test_sql_distance_and_keys_agree_with_python(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_osa(%s, %s), ARRAY(SELECT search_deletes(%s))", [a, b, a])
        distance, keys = cursor.fetchone()
    assert distance == typos.distance(a, b)
    assert set(keys) == typos.deletes(a, typos.lexeme_depth(a))
