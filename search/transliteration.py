"""Latin <-> Cyrillic transliteration of what viewers type, covering the common schemes at once.

Latin -> Cyrillic reads GOST, ISO-9-ish, BGN/PCGN and "passport" spellings alike ("sibirskiy",
"sibirskij", "sibirsky" all give a word that stems to "сибирск"); small differences left over (e.g.
"titanik" for "titanic") are absorbed by typo tolerance, not by more rules here.

Some letter pairs stand for one letter in one scheme and for two in Russian words: "ia" is я in
passports ("Mariia") and и + а in "leviafan", "ts" is ц in "tsar" and т + с in "detstvo", "ye" is е
in "yelka" and ы + е in "novye", "yo" is ё in "yozh" and й + о in "rayon". `latin_readings` gives
both readings; the search tries each and keeps the one the catalog knows best.
"""

from __future__ import annotations

import re

_VOWELS = "aeiouy"

# Longest first: a greedy scan takes the longest rule that matches at each position.
_LATIN_TO_CYRILLIC = {
    "shch": "щ", "sch": "щ", "zh": "ж", "kh": "х", "ts": "ц", "tz": "ц", "ch": "ч", "sh": "ш",
    "yu": "ю", "iu": "ю", "ju": "ю", "ya": "я", "ia": "я", "ja": "я", "yo": "ё", "jo": "ё", "ye": "е",
    "iya": "ия", "iyu": "ию", "iye": "ие", "iy": "ий", "ij": "ий", "yy": "ый", "ck": "к", "ph": "ф",
    "a": "а", "b": "б", "v": "в", "w": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и", "j": "й",
    "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у",
    "f": "ф", "h": "х", "c": "к", "x": "кс", "q": "к", "y": "ы",
}
_LATIN_KEYS = sorted(_LATIN_TO_CYRILLIC, key=len, reverse=True)

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya",
}

_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[а-яё]")


def script(text: str) -> str | None:
    """'latin' or 'cyrillic' when `text` (lower case) has letters of only that script, else None."""
    latin, cyrillic = bool(_LATIN.search(text)), bool(_CYRILLIC.search(text))
    if latin == cyrillic:
        return None
    return "latin" if latin else "cyrillic"


def _split_in_literal(word: str, i: int, key: str) -> bool:
    """Whether the literal reading takes the pair `key` at `i` letter by letter: "ia" and "iu" always,
    "ts" before a consonant ("detstvo", "bratstvo"; "sotsialnyy" keeps its ц)."""
    if key in ("ia", "iu"):
        return True
    return key == "ts" and word[i + 2 : i + 3] not in ("", *_VOWELS)


def _latin_word_to_cyrillic(word: str, *, literal: bool = False) -> str:
    out: list[str] = []
    i = 0
    while i < len(word):
        ch = word[i]
        if literal and ch == "y" and word[i + 1 : i + 2] in ("a", "u", "o", "e"):
            if i == 0 or word[i - 1] in _VOWELS:
                out.append("й")  # "yoga", "rayon", "mayor": й, then the vowel
                i += 1
                continue
            if word[i + 1] == "e":
                out.append("ы")  # "novye", "krasnye": ы, then е
                i += 1
                continue
        if ch == "e" and i == 0:
            out.append("э")  # "ekspress", "eto": a word-initial e is almost always э
            i += 1
            continue
        if ch == "y" and i > 0 and word[i - 1] in _VOWELS and not word[i + 1 : i + 2] in ("a", "u", "o", "e"):
            out.append("й")  # "sergey", "nikolay": y after a vowel is й
            i += 1
            continue
        if ch == "c" and word[i + 1 : i + 2] in ("e", "i", "y"):
            out.append("ц")
            i += 1
            continue
        for key in _LATIN_KEYS:
            if word.startswith(key, i) and not (literal and _split_in_literal(word, i, key)):
                out.append(_LATIN_TO_CYRILLIC[key])
                i += len(key)
                break
        else:
            out.append("ь" if ch == "'" else ch)
            i += 1
    return "".join(out)


def latin_to_cyrillic(text: str, *, literal: bool = False) -> str:
    """'dom u reki' -> 'дом у реки'; characters that are not Latin letters are kept. `literal` reads the
    ambiguous pairs as two letters ("leviafan" -> "левиафан", not "левяфан")."""
    return re.sub(r"[a-z']+", lambda m: _latin_word_to_cyrillic(m.group(), literal=literal), text.lower())


def latin_readings(text: str) -> list[str]:
    """The Cyrillic spellings `text` can stand for: the schemes' usual reading, then (when it differs)
    the one that takes the ambiguous pairs letter by letter."""
    usual, literal = latin_to_cyrillic(text), latin_to_cyrillic(text, literal=True)
    return [usual] if literal == usual else [usual, literal]


def cyrillic_to_latin(text: str) -> str:
    """'интерстеллар' -> 'interstellar'; characters that are not Cyrillic letters are kept."""
    return "".join(_CYRILLIC_TO_LATIN.get(ch, ch) for ch in text.lower())
