"""Typo tolerance: how many edits a word may carry, the edit distance, and delete-neighbourhoods.

The rule viewers know from Meilisearch/Algolia: words under 5 letters must be exact, 5-8 letters may
carry one typo, 9 and more two. A typo is a missing, extra or wrong letter or two swapped neighbours
(optimal string alignment distance). Candidates are found through a delete-neighbourhood index
(SymSpell): a word and every string made by deleting up to `lexeme_depth` letters from it are keys in
`search_lexemekey`, so a query word's own deletions find every lexeme within the allowed distance
by exact key lookups, whatever the vocabulary's size.
"""

from __future__ import annotations


def allowed_typos(word: str) -> int:
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def lexeme_depth(lexeme: str) -> int:
    """How many deletions of a vocabulary lexeme are indexed (mirrors SQL `search_deletes`)."""
    if len(lexeme) >= 7:
        return 2
    if len(lexeme) >= 4:
        return 1
    return 0


def deletes(word: str, depth: int) -> set[str]:
    """`word` and every string made by deleting up to `depth` of its letters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))} - found
        found |= frontier
    return found


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
