"""Embedded tweets: ``TEXT pic.twitter.com/… — Name (@handle) Month D, YYYY``.

A pure text parser (no NLP): the signature after the dash is unambiguous, and
the tweet text is the paragraph that ends in it. Blank-line runs of two or more
empty lines inside a tweet (lost line breaks of the embed) keep it together.

The signature is recognised whatever its handle looks like, so the embed's
text is told apart from the article's own; but a Twitter handle is 1-15 ASCII
letters, digits or underscores (``is_twitter_handle``), and an embed signed
with anything else ("@ñandú", a 20-letter name) is no tweet: extraction drops
it rather than make an account the graph could not hold. The author's name
loses invisible format characters (bidi overrides, zero-width spaces) that
would make it display reversed or differ from the same name typed plainly.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

SIGNATURE = re.compile(
    # "— Name (@handle) Month D, YYYY"; a plain hyphen too ("...pic.twitter.com/x- Name
    # (@handle)"), where the name may hold no parenthesis or hyphen of its own
    r"[ \t]*(?:[—–][ \t]*(?P<author>[^\n—–]{1,80}?)"
    r"|(?:(?<=\S)-|(?<=\s)-)[ \t]*(?P<author_h>[^\n—–()\-]{1,80}?))"
    r"[ \t]*\(@(?P<handle>\w{1,50})\)[ \t]*"
    rf"(?P<date>(?:{_MONTH_RE})\.?[ \t]+\d{{1,2}},[ \t]*\d{{4}})",
    re.IGNORECASE,
)
HASHTAG = re.compile(r"(?<![/&#])#((?:(?!\d)\w)\w*)")  # any script: "#오늘의방탄"
# a mention of a Twitter handle: not a longer word or one of another script
# ("@ñandú", "@" and 40 letters are no handles)
HANDLE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{1,15})(?![\w@])")
TWITTER_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
# zero-width joiners and non-joiners stay inside a name: they are part of emoji and of
# some scripts (and so are the tag characters of flag emoji, kept by range)
_KEPT_FORMAT = frozenset("\u200c\u200d")
LINK = re.compile(r"(?:https?://|pic\.twitter\.com/|t\.co/)[^\s\"'<>”“)]+")
_TRAILING_PUNCT = ".,;:!?)]}’”'\""


@dataclass(frozen=True)
class TweetSpan:
    """A tweet located in the text (offsets relative to the text given)."""

    start: int
    end: int
    text_end: int
    text: str
    author: str
    handle: str
    date: dt.date | None


def is_twitter_handle(handle: str) -> bool:
    """Whether ``handle`` (without "@") can be a Twitter handle."""
    return TWITTER_HANDLE.fullmatch(handle) is not None


def clean_author(raw: str) -> str:
    """An embed's display name as a reader sees it: whitespace runs as one space,
    and no control or invisible format characters (a bidi override would show
    the name reversed; a zero-width space would split one person in two)."""
    visible = "".join(c for c in raw if c in _KEPT_FORMAT or "\U000e0020" <= c <= "\U000e007f"
                      or unicodedata.category(c) not in ("Cc", "Cf"))
    words = (w.strip("\u200c\u200d") for w in visible.split())
    return " ".join(w for w in words if w)


def parse_month_date(text: str) -> dt.date | None:
    """'September 21, 2020' -> date(2020, 9, 21); None if it is not a real date."""
    m = re.match(rf"\s*({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s*(\d{{4}})", text, re.IGNORECASE)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), MONTHS[m.group(1).casefold()], int(m.group(2)))
    except ValueError:
        return None


def find_tweets(text: str, start: int = 0) -> Iterator[TweetSpan]:
    """Yield every embedded tweet in ``text[start:]`` in order."""
    floor = start
    for sig in SIGNATURE.finditer(text, start):
        line_start = text.rfind("\n", floor, sig.start()) + 1
        line_start = max(line_start, floor)
        if not text[line_start : sig.start()].strip() and line_start > floor:
            # the attribution on a line of its own: the text is the line above
            line_start = max(text.rfind("\n", floor, line_start - 1) + 1, floor)
        # pull in earlier paragraphs separated from this one by 2+ blank lines
        while True:
            gap = re.search(r"\n[ \t]*\n[ \t]*\n\s*\Z", text[floor:line_start])
            if not gap:
                break
            prev_start = text.rfind("\n", floor, floor + gap.start()) + 1
            prev_start = max(prev_start, floor)
            if prev_start >= floor + gap.start():
                break
            line_start = prev_start
        body_start = line_start
        while body_start < sig.start() and text[body_start].isspace():
            body_start += 1
        tweet_text = text[body_start : sig.start()].strip()
        yield TweetSpan(
            start=body_start,
            end=sig.end(),
            text_end=sig.start(),
            text=tweet_text,
            author=clean_author(sig.group("author") or sig.group("author_h")),
            handle=sig.group("handle"),
            date=parse_month_date(sig.group("date")),
        )
        floor = sig.end()


def hashtags(text: str) -> tuple[str, ...]:
    """Hashtags without '#', in order of first use, also when glued to text."""
    seen: dict[str, None] = {}
    for m in HASHTAG.finditer(LINK.sub(" ", text)):
        seen.setdefault(m.group(1), None)
    return tuple(seen)


def links(text: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for m in LINK.finditer(text):
        url = m.group(0).rstrip(_TRAILING_PUNCT)
        if not url.startswith("http"):
            url = "https://" + url
        out.setdefault(url, None)
    return tuple(out)


def handles(text: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for m in HANDLE.finditer(text):
        out.setdefault(m.group(1), None)
    return tuple(out)
