"""The corpus-wide set of work titles, indexed once for the second pass.

Every article's second pass looks for plain mentions of every title found
anywhere in the corpus. Trying every title's pattern on every article costs
(articles x titles), which grows with the square of the corpus; so does
trying every title that shares a first word with the article (thousands start
with "The"). Instead an article is read once as a list of folded words, and a
title is tried only where its whole run of words occurs (found by its first
two words): the cost is that of reading the article, whatever the number of
titles. A store asks kept articles a coarser, cheaper question: whether a
title's letters occur in them at all (``KnownWorks.mentioned_in``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from kg.gazetteer import fold

_WORD = re.compile(r"\w+")

# letters a case-insensitive pattern takes as the same letter although
# casefold() tells them apart (from the equivalences of Python's own ``re``;
# "İ" casefolds to "i" and a combining dot, which is no word character)
_SAME_LETTER = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u00b5": "\u03bc",
                              "\u03c2": "\u03c3", "\u03d0": "\u03b2", "\u03d1": "\u03b8",
                              "\u03d5": "\u03c6", "\u03d6": "\u03c0", "\u03f0": "\u03ba",
                              "\u03f1": "\u03c1", "\u03f5": "\u03b5", "\u1e9b": "\u1e61",
                              "\ufb05": "\ufb06", "\u1fbe": "\u03b9", "\u0345": "\u03b9"})
# the one character of those that is no word character (a combining mark): a
# text holding it is searched for every title (it is rare)
_NON_WORD_THAT_MATCHES_A_LETTER = "\u0345"
_ODD_LETTERS = re.compile("[" + "".join(map(chr, _SAME_LETTER)) + "]")
_NON_WORD = re.compile(r"\W+")


def _same_letters(text: str) -> str:
    """``text`` with the letters of ``_SAME_LETTER`` replaced (a search first:
    translating every character is slow, and they are rare)."""
    return text.translate(_SAME_LETTER) if _ODD_LETTERS.search(text) else text


def _words(text: str) -> list[str]:
    """The runs of word characters of ``text``, folded so that two runs a
    case-insensitive pattern matches to each other are equal (casefold never
    makes one of ``_SAME_LETTER``'s letters, so they are replaced before)."""
    return [w.casefold() for w in _WORD.findall(_same_letters(text))]


def letters_of(text: str) -> str:
    """``text`` folded to its word characters alone, however it is split into
    words or tokens: any name or title the extractors find in it is a run of
    these (``KnownWorks.mentioned_in``)."""
    return _NON_WORD.sub("", _same_letters(text).casefold())


def _first_word(title: str) -> str | None:
    """The first run of word characters, lowercased (None for a title without one).
    A match of the title starts with exactly this run: the title pattern
    requires a non-word character (or the text's start) before it."""
    m = _WORD.search(title)
    return m.group().lower() if m else None


class _WordRuns:
    """Titles by their runs of folded words, filed under their first one or
    two words, so that one reading of a text finds every title whose run it
    holds, however many titles share a first word."""

    def __init__(self, runs: list[tuple[tuple[str, ...], str]]) -> None:
        self._by_start: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        self._wordless: set[str] = set()  # found in any text
        for words, title in runs:
            if words:
                self._by_start.setdefault(words[:2], []).append((words, title))
            else:
                self._wordless.add(title)

    def found_in(self, words: list[str]) -> set[str]:
        by_start, found = self._by_start, set(self._wordless)
        for i, word in enumerate(words):
            for key in ((word,), (word, words[i + 1]) if i + 1 < len(words) else None):
                for run, title in by_start.get(key, ()) if key else ():
                    if len(run) <= 2 or tuple(words[i : i + len(run)]) == run:
                        found.add(title)
        return found


class TitleTable(dict[str, str]):
    """Folded title -> title, with its keys sorted once: an article asks
    whether some title starts with a word for many of its words, by bisecting
    them, and sorting them for every article cost (articles x titles). Not
    changed once made."""

    @cached_property
    def sorted_keys(self) -> list[str]:
        return sorted(self)


class KnownWorks:
    """Folded title -> title, with the lookups the second pass needs. Built once
    per corpus; read-only afterwards."""

    def __init__(self, by_fold: dict[str, str]) -> None:
        self.by_fold = TitleTable(by_fold)
        runs = [(tuple(_words(title)), title) for title in sorted(by_fold.values())]
        self._runs = _WordRuns(runs)
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

    @cached_property
    def touching(self) -> list[str]:
        """Each title's letters, without a leading "The" (a person named like
        the title without it is no person): one of these is in the letters of
        any text the title can change the facts of."""
        keys = set()
        for title in self.by_fold.values():
            letters = letters_of(title)
            bare = letters[3:] if re.match(r"the\W", fold(title)) else letters
            keys.add(bare or letters)  # "The!" keeps its "the": "" is in every text
        return sorted(keys)

    def prepared(self) -> KnownWorks:
        """This index with every lookup made ready (what a process that forks
        workers does first, so that they share it rather than each make it)."""
        _ = self.by_fold.sorted_keys, self.bare_folds, self.squashed, self._shouted
        return self

    def candidates(self, text: str) -> list[str]:
        """The titles that may occur in ``text``, in sorted order: those whose
        words occur in it one after another (a match of a title's pattern
        always does: the pattern is the title, between word boundaries)."""
        if _NON_WORD_THAT_MATCHES_A_LETTER in text:
            # a word break beside a title, a letter inside one: no one split
            # into words serves both, so every title is tried (it is rare)
            return sorted(self.by_fold.values())
        return sorted(self._runs.found_in(_words(text)))

    def shouted_in(self, text: str) -> Iterator[tuple[str, str]]:
        """(capitalised title, title) pairs whose first word occurs in ``text``."""
        words = {w.lower() for w in _WORD.findall(text)} | {None}
        for w in sorted(words & self._shouted.keys(), key=lambda k: (k is not None, k or "")):
            yield from self._shouted[w].items()

    def mentioned_in(self, text: str) -> bool:
        """Whether knowing the titles may change what is extracted from
        ``text`` (a store's kept facts are reused only if not): never a false
        "no". However the extractors come to a title (its pattern, a span
        looked up as a title, a person named like it, a hashtag or capitals
        in a tweet), its letters, or those after its "The", follow each other
        in the text once everything but letters and digits is dropped; that
        holds whatever splits or joins words (a glued "newHarbor", an
        invisible character in a tweet's author)."""
        return self.mentioned_in_letters(letters_of(text))

    def mentioned_in_letters(self, letters: str) -> bool:
        """``mentioned_in`` for a text already folded to its letters (``letters_of``)."""
        return bool(self.by_fold) and any(key in letters for key in self.touching)

    def pattern(self, title: str) -> re.Pattern[str]:
        """The title as a whole-word pattern; case matters for one-word titles
        only ("Ruth" the series, "ruth" the word)."""
        found = self._patterns.get(title)
        if found is None:
            found = self._patterns[title] = re.compile(
                r"(?<![\w@#])" + re.escape(title).replace("'", "['’]") + r"(?!\w)",
                re.IGNORECASE if len(title.split()) > 1 else 0)
        return found


__all__ = ["KnownWorks", "TitleTable"]
