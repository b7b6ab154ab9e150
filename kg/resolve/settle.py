"""Compact records of the facts a component settles, so that a store settles
nominations again without reading their facts.

A component (``kg.resolve.parts``) is a set of nominees and credited people
whose nominations' categories are settled together: a paraphrase by the
nominee's other facts, a fact with none by the others in its sentence. What
that settling reads of a nomination is small: its nominee and ceremony, its
sentence, the categories it may denote, and (for a fact still open) what the
other nominations of its sentence settle. A store keeps those records, one
set per article, and the categories they settled. An added article then
costs the settling of the records it reaches (``kg.storerecords``), not the
reading of every fact of every article its component spans; only the
members whose own facts changed, or whose categories came out otherwise,
are made again from their facts, each in its unit (``units``: a member and
its costars, whose nominations lend each other their works).

Records name entities by provisional id (``kg.resolve.entities``), made
with the corpus's name maps: an article whose spellings change meaning is
linked again, and its records made again with it (``kg.storeupdate``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from kg.records import ArticleFacts, Record
from kg.resolve.entities import Entities
from kg.resolve.facts import settle_categories
from kg.resolve.unionfind import UnionFind


class NominationRecord(NamedTuple):
    """What settling reads of one nomination fact: its place in its article's
    nominations, its nominee (``owner``), ceremony and sentence (its offsets),
    the categories it may denote (None: it names none), what the other
    nominations of its sentence settle when it is open, and its costar. A
    plain tuple: a component's records are read and written whole on every
    add that reaches it (30,000 of them for a large one)."""

    pos: int
    owner: str
    ceremony: str
    start: int
    end: int
    candidates: tuple[str, ...] | None
    context: frozenset[str] | None
    costar: str | None

    @property
    def open(self) -> bool:
        return self.candidates is None or len(self.candidates) != 1


@dataclass(frozen=True, slots=True)
class ArticleRecords(Record):
    """One article's records: its nominations whose nominee is known, and the
    owners of its credits and characters, each (place in its list, person)."""

    nominations: tuple[NominationRecord, ...] = ()
    credits: tuple[tuple[int, str], ...] = ()
    characters: tuple[tuple[int, str], ...] = ()

    def __reduce__(self) -> tuple:
        # the nominations as plain tuples: pickled and read back in C, where a
        # reduce per record was most of a component's reading and writing
        return _article_records, (tuple(map(tuple, self.nominations)), self.credits,
                                  self.characters)

    def owners(self) -> set[str]:
        return ({r.owner for r in self.nominations} | {o for _, o in self.credits}
                | {o for _, o in self.characters})


def _article_records(nominations: tuple[tuple, ...], credits: tuple, characters: tuple
                     ) -> ArticleRecords:
    return ArticleRecords(tuple(map(NominationRecord._make, nominations)), credits, characters)


# a nomination by its article and its place in the article's nominations
FactKey = tuple[str, int]
Records = dict[str, ArticleRecords]  # article -> its records


def article_records(f: ArticleFacts, ents: Entities) -> ArticleRecords:
    """The records of one article's facts (``ents`` holds the corpus's name
    maps)."""
    found = []
    for pos, n in enumerate(f.nominations):
        nominee = ents.ref(n.nominee)
        if nominee is None:
            continue
        costar = ents.ref(n.costar_of) if n.costar_of is not None else None
        found.append((pos, n, nominee.id, costar.id if costar else None))
    settled: dict[tuple[int, int], set[str]] = {}
    for _, n, _, _ in found:
        cands = n.category.candidates if n.category is not None else None
        if cands is not None and len(cands) == 1:
            settled.setdefault((n.evidence.start, n.evidence.end), set()).add(cands[0])
    nominations = []
    for pos, n, owner, costar in found:
        cands = tuple(n.category.candidates) if n.category is not None else None
        span = (n.evidence.start, n.evidence.end)
        is_open = cands is None or len(cands) != 1
        context = frozenset(settled[span]) if is_open and span in settled else None
        nominations.append(NominationRecord(pos, owner, ents.ceremony(n.ceremony).id, *span,
                                            cands, context, costar))

    def people(facts: list) -> tuple[tuple[int, str], ...]:
        out = []
        for pos, x in enumerate(facts):
            person = ents.person(x.person.name)
            if person is not None:
                out.append((pos, person.id))
        return tuple(out)

    return ArticleRecords(tuple(nominations), people(f.credits), people(f.characters))


def split(records: Records, part_of: Mapping[str, str]) -> dict[str, Records]:
    """``records`` split by the part each owner is in (``part_of``: member ->
    the part's name), each part's in article order."""
    out: dict[str, Records] = {}
    for article in sorted(records):
        recs = records[article]
        found: dict[str, tuple[list, list, list]] = {}
        for r in recs.nominations:
            found.setdefault(part_of[r.owner], ([], [], []))[0].append(r)
        for c in recs.credits:
            found.setdefault(part_of[c[1]], ([], [], []))[1].append(c)
        for c in recs.characters:
            found.setdefault(part_of[c[1]], ([], [], []))[2].append(c)
        for part, (noms, credits, characters) in found.items():
            out.setdefault(part, {})[article] = ArticleRecords(
                tuple(noms), tuple(credits), tuple(characters))
    return out


def _named_by_smallest(joined: UnionFind, members: Iterable[str]) -> dict[str, str]:
    """Each member -> the smallest member of its set."""
    smallest: dict[Hashable, str] = {}
    ordered = sorted(members)
    for m in ordered:
        smallest.setdefault(joined[m], m)
    return {m: smallest[joined[m]] for m in ordered}


def components(records: Records) -> dict[str, Records]:
    """The components these records make, each named by its smallest member:
    nominees are joined with their costars, and with the other nominees whose
    categories are open in one of their sentences."""
    joined = UnionFind()
    owners: set[str] = set()
    for article in sorted(records):
        recs = records[article]
        by_sentence: dict[tuple[int, int], list[str]] = {}
        for r in recs.nominations:
            joined.union(r.owner)
            if r.costar is not None:
                joined.union(r.owner, r.costar)
            if r.open:
                by_sentence.setdefault((r.start, r.end), []).append(r.owner)
        for found in by_sentence.values():
            joined.union(*found)
        owners |= recs.owners()
    return split(records, _named_by_smallest(joined, owners))


def unit_names(records: Records) -> dict[str, str]:
    """Each member of a component -> its unit, named by its smallest member:
    a member with its costars (whose nominations lend each other their
    works). A unit's credits, nominations and characters are made from its
    facts alone, once the component's categories are settled."""
    joined = UnionFind()
    for recs in records.values():
        for r in recs.nominations:
            if r.costar is not None:
                joined.union(r.owner, r.costar)
    return _named_by_smallest(joined, members(records))


def units(records: Records) -> dict[str, Records]:
    """A component's records by unit (``unit_names``)."""
    return split(records, unit_names(records))


def members(records: Records) -> set[str]:
    out: set[str] = set()
    for recs in records.values():
        out |= recs.owners()
    return out


class _Columns:
    """Records as ``settle_categories`` reads them: each accessor is a list's
    own ``__getitem__``, so the thousands of looks settling takes per fact cost
    no Python call of their own."""

    def __init__(self, records: Records) -> None:
        self.keys: list[FactKey] = []
        candidates: list[tuple[str, ...] | None] = []
        sentences: list[tuple[str, int, int]] = []
        groups: list[tuple[str, str]] = []
        self.context: dict[Hashable, set[str]] = {}
        for article in sorted(records):
            for r in records[article].nominations:
                self.keys.append((article, r.pos))
                candidates.append(r.candidates)
                sentences.append((article, r.start, r.end))
                groups.append((r.owner, r.ceremony))
                if r.context:
                    self.context[sentences[-1]] = set(r.context)
        self.candidates = candidates.__getitem__
        self.sentence = sentences.__getitem__
        self.group = groups.__getitem__

    def __len__(self) -> int:
        return len(self.keys)


def settle(records: Records) -> dict[FactKey, str | None]:
    """Each nomination's category, settled with the others of its component
    (all of ``records``), as ``kg.resolve.facts.merge_nominations`` settles
    them from the facts."""
    columns = _Columns(records)
    return dict(zip(columns.keys, settle_categories(columns, columns.context), strict=True))


def unit_facts(records: Records, facts_of: Callable[[str], ArticleFacts],
               chosen: Mapping[FactKey, str | None]
               ) -> tuple[list[ArticleFacts], list[str | None]]:
    """A unit's facts (``records`` are the unit's), per article in article
    order, read by ``facts_of`` from each article's facts, and its
    nominations' settled categories in that order: what
    ``kg.resolve.parts.component_part`` makes the unit's part of."""
    out: list[ArticleFacts] = []
    aligned: list[str | None] = []
    for article in sorted(records):
        recs = records[article]
        f = facts_of(article)
        out.append(dataclasses.replace(
            f, nominations=[f.nominations[r.pos] for r in recs.nominations],
            credits=[f.credits[pos] for pos, _ in recs.credits],
            characters=[f.characters[pos] for pos, _ in recs.characters]))
        aligned.extend(chosen[(article, r.pos)] for r in recs.nominations)
    return out, aligned
