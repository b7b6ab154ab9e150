"""Quoted spans in plain text: the words between one pair of quotation marks.

A pure scanner (no spaCy), used by the quotation extractor (``kg.extract.quotes``)
and by the article context, which masks quoted words from other extractors.
Double quotes come first, single quotes only outside them, so a quote within a
quote stays part of the outer one. A paragraph that ends inside a quote closes
it there: news style reopens the quote in the next paragraph, which continues
the same speaker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

_OPEN_DOUBLE, _CLOSE_DOUBLE = "“", "”"
_OPEN_SINGLE, _CLOSE_SINGLE = "‘", "’"


@dataclass(frozen=True)
class QuoteSpan:
    start: int  # offsets of the quoted words, marks excluded
    end: int
    continued: bool  # opened at a paragraph start right after an unclosed quote
    closed: bool


def _scan(text: str, start: int, end: int, opens: str, closes: str, straight: str,
          skip: list[tuple[int, int]]) -> Iterator[tuple[int, int, bool]]:
    """Yield (start, end, closed) of quotes in text[start:end] for one mark style."""
    i, open_at = start, None
    skip = sorted(skip)
    s_index = 0  # the skipped ranges are passed in order, so each is checked once
    marks = _marks_pattern(opens + closes + straight)
    while i < end:
        found = marks.search(text, i, end)  # only quotation marks change the state
        if found is None:
            break
        i = found.start()
        while s_index < len(skip) and skip[s_index][1] <= i:
            s_index += 1
        if s_index < len(skip) and skip[s_index][0] <= i:
            i = skip[s_index][1]
            continue
        c = text[i]
        prev = text[i - 1] if i > start else " "
        nxt = text[i + 1] if i + 1 < end else " "
        if open_at is None:
            if c in opens or (c == straight and (prev.isspace() or prev in "([{—–-:") and
                                                not nxt.isspace()):
                if c == "’" or (c in "'’" and prev.isalnum()):
                    i += 1
                    continue
                open_at = i + 1
        else:
            is_close = c in closes or c == straight
            if c in "'’" and nxt.isalnum():
                is_close = False  # an apostrophe inside a word: didn't, what's
            if is_close and not prev.isspace():
                yield open_at, i, True
                open_at = None
        i += 1
    if open_at is not None and end - open_at > 1:
        yield open_at, end, False


@lru_cache(maxsize=8)
def _marks_pattern(marks: str) -> re.Pattern[str]:
    """Any one of ``marks``: ``_scan`` jumps from mark to mark rather than
    looking at every character in Python."""
    return re.compile("[" + re.escape(marks) + "]")


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Every quoted span in ``text``, in order (see the module docstring)."""
    spans: list[QuoteSpan] = []
    for para in re.finditer(r"[^\n]+", text):
        a, b = para.span()
        doubles = list(_scan(text, a, b, _OPEN_DOUBLE, _CLOSE_DOUBLE, '"', []))
        skip = [(s - 1, e + 1) for s, e, _ in doubles]
        singles = list(_scan(text, a, b, _OPEN_SINGLE, _CLOSE_SINGLE, "'", skip))
        for s, e, closed in sorted(doubles + singles):
            spans.append(QuoteSpan(s, e, continued=False, closed=closed))
    # a quote opening a paragraph right after an unclosed quote continues it
    out: list[QuoteSpan] = []
    for q in spans:
        prev = out[-1] if out else None
        between = text[prev.end : q.start - 1] if prev else ""
        continued = bool(prev and not prev.closed and not between.strip())
        out.append(QuoteSpan(q.start, q.end, continued, q.closed))
    return out
