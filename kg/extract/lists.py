"""Winners-and-nominees lists, the other way award news reports results:

    Outstanding Lead Actress in a Comedy Series        Best Musical: Copperline (WON); Fathom
    Jane Roe, Some Show (WON)                          Best Actress: Jane Roe, 'Some Film'
    Ann Poe, Other Show

A line that is a category name (alone, or before a colon) opens a list; its
items are the following lines (up to a blank line) or the rest of the line,
split at semicolons. An item is "nominee, work", "nominee (work)", "nominee
for work" or just a name; "(WON)" / "(winner)" marks the winner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kg.extract.context import ArticleContext, clean_text
from kg.gazetteer import AwardInfo
from kg.records import CategoryRef

_WON = re.compile(r"\s*(?:\((?:won|winner|winners?)!?\)|\bwinner\b:?|\*|✓|✔)\s*", re.I)
_HEADER = re.compile(r"^(?P<cat>[^:;\n]{3,90}?)\s*[:–—]\s*(?P<rest>.*)$")
_MAX_ITEM_WORDS = 14


@dataclass(frozen=True)
class ListEntry:
    """One nominee line of a list, with file-independent offsets into the doc text."""

    category: CategoryRef
    nominee: str
    nominee_is_person: bool
    work: str | None
    won: bool
    start: int
    end: int


def _category(ctx: ArticleContext, award: AwardInfo, text: str) -> CategoryRef | None:
    text = text.strip().strip("\"“”'‘’*#").strip()
    if not text or len(text.split()) > 12 or text.endswith((".", "?", "!")):
        return None
    rules = ctx.gaz.category_rules
    words = [w.casefold() for w in re.findall(r"[\w'’+]+", text)]
    if not words or any(w not in ctx.gaz.category_vocab and w not in rules.ignored
                        for w in words):
        return None
    candidates = ctx.gaz.match_category(award.name, text)
    return CategoryRef(award.name, clean_text(text), candidates) if candidates else None


def _looks_like_person(ctx: ArticleContext, name: str) -> bool:
    parts = name.split()
    if not parts or len(parts) > 4:
        return False
    if ctx.gaz.is_given_name(parts[0]) and len(parts) >= 2:
        return True
    # the article's people, folded once (a look at every person for every
    # line was quadratic in a long list)
    known = ctx.memo("person_names_folded")
    if "names" not in known:
        known["names"] = {p.name.casefold() for p in ctx.persons}
    return name.casefold() in known["names"]


def _item(ctx: ArticleContext, cat: CategoryRef, text: str, start: int, end: int
          ) -> ListEntry | None:
    won = bool(_WON.search(text))
    text = _WON.sub(" ", text).strip(" ;,.–—-")
    if not text or len(text.split()) > _MAX_ITEM_WORDS or text.endswith(("?", "!")):
        return None
    nominee, work = text, None
    m = re.match(r"^(?P<a>.+?)\s*\((?P<b>[^()]+)\)$", text)
    if m:
        nominee, work = m.group("a"), m.group("b")
    else:
        for sep in (", ", " – ", " — ", " - ", " for "):
            if sep in text:
                nominee, work = text.split(sep, 1)
                break
    nominee = clean_text(nominee)
    work = clean_text(work).strip("\"“”'‘’") if work else None
    if not nominee or not nominee[:1].isupper() or (work is not None and not work[:1].isupper()):
        return None
    if _category(ctx, ctx.gaz.award_named(cat.award), nominee) is not None:
        return None  # a line of category names (captions), not a list of nominees
    is_person = _looks_like_person(ctx, nominee)
    if work is None and not is_person:
        work = nominee
    return ListEntry(cat, nominee, is_person, work, won, start, end)


def find_list_entries(ctx: ArticleContext, award: AwardInfo | None) -> Iterator[ListEntry]:
    """Every nominee line of every list in the article (see the module docstring)."""
    if award is None:
        return
    text = ctx.text
    lines = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]
    i = 0
    while i < len(lines):
        start, end, line = lines[i]
        if ctx.tweet_at_offset(ctx.file_offset(start)) is not None:
            i += 1
            continue
        header = _HEADER.match(line)
        cat = _category(ctx, award, line)
        if cat is not None:
            # a heading line: the items are the next lines, up to a blank line
            j = i + 1
            while j < len(lines) and text[lines[j - 1][1] : lines[j][0]].count("\n") == 1:
                entry = _item(ctx, cat, lines[j][2], lines[j][0], lines[j][1])
                if entry is None:
                    break
                yield entry
                j += 1
            i = j
            continue
        if header is not None:
            cat = _category(ctx, award, header.group("cat"))
            if cat is not None:
                rest_start = start + header.start("rest")
                for m in re.finditer(r"[^;]+", header.group("rest")):
                    entry = _item(ctx, cat, m.group(0), rest_start + m.start(),
                                  rest_start + m.end())
                    if entry is not None:
                        yield entry
        i += 1
