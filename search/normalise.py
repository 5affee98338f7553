"""How search sees text: lower case, accents folded, ё = е, apostrophes dropped, other punctuation a space.

This is the Python twin of the SQL function `search_norm` (search/sql/functions.sql), which builds the
documents with PostgreSQL's `unaccent`; tests/search/test_normalise.py checks that the two agree.
"""

from __future__ import annotations

import re
import unicodedata

SEARCH_MAX_LENGTH = 100

# Letters that Unicode does not decompose into a base letter and a mark, folded as `unaccent` does.
_SPECIAL = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})
# Apostrophes and quote-like marks inside words ("don't", "d’Artagnan") join the word instead of splitting it.
_APOSTROPHES = re.compile(r"['’‘`ʼ]")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Ёлка Łódź Çé' -> 'елка lodz ce' (й stays й, as in `unaccent`)."""
    text = text.lower().replace("й", "\0").translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Compatibility forms ("𝐀", "Ⅻ") decompose into letters that may still be capitals.
    return folded.replace("\0", "й").lower()


def normalise(text: str) -> str:
    """The words of `text` as search compares them, separated by single spaces."""
    text = _APOSTROPHES.sub("", fold(text[: SEARCH_MAX_LENGTH * 2]))
    return _NOT_WORD.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return normalise(text).split()
