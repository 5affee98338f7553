"""Text typed with the wrong keyboard layout, Russian ЙЦУКЕН <-> US QWERTY: 'ghbdtn' <-> 'привет'."""

from __future__ import annotations

_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./" + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?'
_JCUKEN = "ёйцукенгшщзхъфывапролджэячсмитьбю." + "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,"

_TO_RUSSIAN = str.maketrans(_QWERTY, _JCUKEN)
_TO_ENGLISH = str.maketrans(_JCUKEN, _QWERTY)


def to_russian_layout(text: str) -> str:
    """The characters the same keys give on the Russian layout."""
    return text.translate(_TO_RUSSIAN)


def to_english_layout(text: str) -> str:
    """The characters the same keys give on the US layout."""
    return text.translate(_TO_ENGLISH)
