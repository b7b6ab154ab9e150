"""Settling again only the nominations an update reaches, from the records a
store keeps of each article (``kg.resolve.settle``).

A nomination's category is settled (``kg.resolve.facts.settle_categories``)
by the other facts of its *group* (its nominee at its ceremony) and of its
sentence, and only while it is open: a fact that names one category keeps
it, whatever else is said. So what an added or replaced article can change
is found by walking from its facts' groups and sentences to the open facts
in them, then to those facts' groups and sentences, and so on (``reach``):
every open fact outside that walk sees only groups and sentences the update
left as they were, and settles as before. Settling the walked facts alone,
with every fact of their groups and sentences, gives what settling all of
their component gives them.

Units (a member and its costars, whose nominations lend each other their
works) are found the same way, by walking the costar links from a member
through the articles that name it (``Units``). So an add reads the records
of the articles its nominees and their costars appear in, never every
record of the component they belong to (which, in coverage of one ceremony,
holds most nominees: 18,000 articles' records at 20,000 synthetic ones).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.resolve.settle import ArticleRecords, FactKey, NominationRecord, Records
from kg.storeparts import PartsState

Group = tuple[str, str]  # a nominee and a ceremony
Sentence = tuple[str, int, int]  # an article and the sentence's offsets


@dataclass(slots=True)
class _Indexed:
    """One article's records, with its nominations by group, sentence,
    nominee and costar (an article may hold thousands)."""

    records: ArticleRecords
    by_group: dict[Group, list[NominationRecord]] = field(default_factory=dict)
    by_sentence: dict[tuple[int, int], list[NominationRecord]] = field(default_factory=dict)
    costars_of: dict[str, list[str]] = field(default_factory=dict)  # owner -> costars
    owners_of: dict[str, list[str]] = field(default_factory=dict)  # costar -> owners

    @staticmethod
    def of(records: ArticleRecords) -> _Indexed:
        found = _Indexed(records)
        for r in records.nominations:
            found.by_group.setdefault((r.owner, r.ceremony), []).append(r)
            found.by_sentence.setdefault((r.start, r.end), []).append(r)
            if r.costar is not None:
                found.costars_of.setdefault(r.owner, []).append(r.costar)
                found.owners_of.setdefault(r.costar, []).append(r.owner)
        return found


class KeptRecords:
    """The records an update reads, each article's once: the kept ones, read
    from the state as it is now (the changed articles' already put again)."""

    def __init__(self, state: PartsState) -> None:
        self.state = state
        self._articles: dict[str, _Indexed] = {}
        self._owning: dict[str, list[str]] = {}
        self._naming: dict[str, list[str]] = {}

    def indexed(self, article: str) -> _Indexed:
        found = self._articles.get(article)
        if found is None:
            found = self._articles[article] = _Indexed.of(self.state.records(article))
        return found

    def records(self, article: str) -> ArticleRecords:
        return self.indexed(article).records

    def owning(self, pid: str) -> list[str]:
        """The articles with a fact ``pid`` owns (a nomination, credit or character)."""
        if pid not in self._owning:
            self._owning[pid] = self.state.articles_owned_by(pid)
        return self._owning[pid]

    def naming_costar(self, pid: str) -> list[str]:
        """The articles with a nomination naming ``pid`` as its costar."""
        if pid not in self._naming:
            self._naming[pid] = self.state.articles_naming_costar(pid)
        return self._naming[pid]


def reach(kept: KeptRecords, groups: Iterable[Group], sentences: Iterable[Sentence]) -> Records:
    """Every nomination of the ``groups`` and ``sentences`` given and of those
    their open facts reach, in turn (see the module docstring): what an
    update settles again. In article order, each article's in its order."""
    todo_groups, todo_sentences = sorted(set(groups)), sorted(set(sentences))
    seen_groups: set[Group] = set()
    seen_sentences: set[Sentence] = set()
    taken: dict[str, set[int]] = defaultdict(set)
    while todo_groups or todo_sentences:
        while todo_groups:
            group = todo_groups.pop()
            if group in seen_groups:
                continue
            seen_groups.add(group)
            for article in kept.owning(group[0]):
                for r in kept.indexed(article).by_group.get(group, ()):
                    taken[article].add(r.pos)
                    if r.open:
                        todo_sentences.append((article, r.start, r.end))
        while todo_sentences:
            sentence = todo_sentences.pop()
            if sentence in seen_sentences:
                continue
            seen_sentences.add(sentence)
            article, start, end = sentence
            for r in kept.indexed(article).by_sentence.get((start, end), ()):
                taken[article].add(r.pos)
                if r.open:
                    todo_groups.append((r.owner, r.ceremony))
    return {article: ArticleRecords(tuple(r for r in kept.records(article).nominations
                                          if r.pos in taken[article]))
            for article in sorted(taken)}


class Units:
    """Each member's unit as the kept records make it now: the members joined
    with it by costar links (through costars who own no fact, too), named by
    the smallest, as ``kg.resolve.settle.unit_names`` names them."""

    def __init__(self, kept: KeptRecords) -> None:
        self.kept = kept
        self._unit: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}

    def unit_of(self, pid: str) -> str | None:
        """The unit of ``pid``; None if it owns no fact."""
        if pid not in self._unit:
            if not self.kept.owning(pid):
                return None
            self._walk(pid)
        return self._unit[pid]

    def members(self, unit: str) -> set[str]:
        return self._members[unit]

    def _walk(self, start: str) -> None:
        kept = self.kept
        seen, todo = {start}, [start]
        while todo:
            pid = todo.pop()
            linked: list[str] = []
            for article in kept.owning(pid):
                linked += kept.indexed(article).costars_of.get(pid, ())
            for article in kept.naming_costar(pid):
                linked += kept.indexed(article).owners_of.get(pid, ())
            for other in linked:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        members = {pid for pid in seen if kept.owning(pid)}
        unit = min(members)
        self._members[unit] = members
        self._unit.update(dict.fromkeys(members, unit))

    def records(self, unit: str) -> Records:
        """The unit's records: its members' nominations, credits and
        characters, by article in article order (as ``split`` makes them)."""
        members = self._members[unit]
        out: Records = {}
        for article in sorted({a for pid in members for a in self.kept.owning(pid)}):
            recs = self.kept.records(article)
            found = ArticleRecords(tuple(r for r in recs.nominations if r.owner in members),
                                   tuple(c for c in recs.credits if c[1] in members),
                                   tuple(c for c in recs.characters if c[1] in members))
            if found.nominations or found.credits or found.characters:
                out[article] = found
        return out


def changed_categories(settled: dict[FactKey, str | None],
                       before: dict[str, dict[int, str | None]],
                       records: Records) -> set[str]:
    """The nominees whose settled nominations (``records``, settled as
    ``settled``) came out otherwise than ``before`` (by article, by place; a
    nomination new or placed otherwise counts as changed)."""
    out: set[str] = set()
    for article, recs in records.items():
        old = before.get(article, {})
        for r in recs.nominations:
            if settled[(article, r.pos)] != old.get(r.pos, "\0"):
                out.add(r.owner)
    return out
