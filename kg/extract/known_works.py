"""The corpus-wide set of work titles, indexed once for the second pass.

Every article's second pass looks for plain mentions of every title found
anywhere in the corpus. Scanning the text once per title costs (articles x
titles), which grows with the square of the corpus; instead each title is
filed under its first word, and an article is searched only for the titles
whose first word it contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from kg.gazetteer import fold

_WORD = re.compile(r"\w+")


def _first_word(title: str) -> str | None:
    """The first run of word characters, lowercased (None for a title without one).
    A match of the title starts with exactly this run: the title pattern
    requires a non-word character (or the text's start) before it."""
    m = _WORD.search(title)
    return m.group().lower() if m else None


class KnownWorks:
    """Folded title -> title, with the lookups the second pass needs. Built once
    per corpus; read-only afterwards."""

    def __init__(self, by_fold: dict[str, str]) -> None:
        self.by_fold = by_fold
        self._by_word: dict[str | None, list[str]] = {}
        for title in sorted(by_fold.values()):
            self._by_word.setdefault(_first_word(title), []).append(title)
        self._patterns: dict[str, re.Pattern[str]] = {}

    @cached_property
    def bare_folds(self) -> frozenset[str]:
        """Folded titles without a leading "the"."""
        return frozenset(re.sub(r"^the ", "", k) for k in self.by_fold)

    @cached_property
    def squashed(self) -> dict[str, str]:
        """Titles by their folded letters alone, as a hashtag writes them."""
        out = {re.sub(r"\W", "", fold(t)): t for t in self.by_fold.values()}
        out.pop("", None)
        return out

    @cached_property
    def _shouted(self) -> dict[str | None, dict[str, str]]:
        """Titles written in capitals ("TIN HARBOR"), filed by their first word."""
        shouted = {t.upper(): t for t in self.by_fold.values() if len(t) >= 4 and t.upper() != t}
        out: dict[str | None, dict[str, str]] = {}
        for upper, title in shouted.items():
            out.setdefault(_first_word(upper), {})[upper] = title
        return out

    def candidates(self, text: str) -> list[str]:
        """The titles that may occur in ``text``, in sorted order: those whose
        first word occurs in it as a whole word."""
        words = {w.lower() for w in _WORD.findall(text)} | {None}
        found = [t for w in words & self._by_word.keys() for t in self._by_word[w]]
        return sorted(found)

    def shouted_in(self, text: str) -> Iterator[tuple[str, str]]:
        """(capitalised title, title) pairs whose first word occurs in ``text``."""
        words = {w.lower() for w in _WORD.findall(text)} | {None}
        for w in sorted(words & self._shouted.keys(), key=lambda k: (k is not None, k or "")):
            yield from self._shouted[w].items()

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` may mention one of the titles (by its first word, in
        capitals, or squashed into a hashtag): cheap, and never a false "no"."""
        if not self.by_fold:
            return False
        if self.candidates(text):
            return True
        return any(re.sub(r"\W", "", fold(tag)) in self.squashed
                   for tag in re.findall(r"#(\w+)", text))

    def pattern(self, title: str) -> re.Pattern[str]:
        """The title as a whole-word pattern; case matters for one-word titles
        only ("Ruth" the series, "ruth" the word)."""
        found = self._patterns.get(title)
        if found is None:
            found = self._patterns[title] = re.compile(
                r"(?<![\w@#])" + re.escape(title).replace("'", "['’]") + r"(?!\w)",
                re.IGNORECASE if len(title.split()) > 1 else 0)
        return found


__all__ = ["KnownWorks"]
