"""Updating a store where added or replaced articles reach (see docs/incremental.md).

An update, over the parts a store keeps (``kg.storeparts``):

1. takes the articles extracted now whose facts changed (their digests differ)
   and any the state lacks;
2. updates the name counts and maps; an article using a spelling whose name
   changed, or a tweet author whose account kind changed, is linked again;
3. links those articles again (their article parts), settles again the
   nominations their facts reach through shared nominees and sentences, from
   the records kept of each article (``kg.storerecords``), and makes again
   only the units whose members' facts or settled categories changed;
4. merges again only the entities those parts touch whose rows changed, links
   again the @handles whose account or spelling changed, and numbers again
   only the slug groups whose members changed;
5. rewrites in the database exactly what changed, in one SPARQL update: the
   changed articles' graphs (and those whose entities changed id), the
   nominations and credits of the members whose own changed (of every member
   of a unit, where an entity they name changed id), the changed entities'
   own triples, and evidence sentences nothing cites any more.

The result equals a fresh build of every stored article (tests/test_store.py).
"""

from __future__ import annotations

import dataclasses
import pickle
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.dataset import ENTITIES_GRAPH
from kg.gazetteer import Gazetteer
from kg.rdf import QuadWriter, article_graph, entity_node
from kg.records import ArticleFacts, read_facts_file
from kg.resolve.entities import Entities, id_base
from kg.resolve.model import Corpus, Entity
from kg.resolve.names import PeopleNames, WorkNames, name_key
from kg.resolve.parts import (
    EntityRow,
    NameMaps,
    Part,
    article_names,
    articles_part,
    assemble,
    component_part,
    entity_rank,
    merge_entity,
    number_group,
    personal_authors,
    spelling,
)
from kg.resolve.settle import ArticleRecords, FactKey, Records, settle, unit_facts
from kg.storeparts import (
    FOLD_MIN,
    PartsState,
    RowChanges,
    StateError,
    entity_refs,
    handle_source,
    is_real,
    link_article,
)
from kg.storerecords import (
    Group,
    KeptRecords,
    Sentence,
    Units,
    changed_categories,
    reach,
)
from kg.vocab import ENTITY_BASE, KG

_OWNED_BY_COMPONENTS = {KG.wonAward, KG.nominatedFor, KG.actedIn}


# --- an add ------------------------------------------------------------------------------------

def _load_facts(path: str) -> ArticleFacts:
    facts = read_facts_file(Path(path))
    if facts is None:  # any damage: rebuild in full
        raise StateError(f"kept facts unreadable: {Path(path).name}")
    return facts


class Update:
    """One incremental update of a store's parts and its database (see the
    module docstring); ``run`` it inside one sqlite transaction."""

    def __init__(self, state: PartsState, database: pyoxigraph.Store, gaz: Gazetteer) -> None:
        self.state, self.db, self.database, self.gaz = state, state.db, database, gaz
        self.articles: set[str] = set()  # article graphs to write again
        self.entities: set[str] = set()  # named by the parts made again: merged
        # again if their rows changed (``RowChanges``)
        self.rewrite: set[str] = set()  # entities whose triples to write again
        self.roots: set[str] = set()  # units to write again: their cleared members
        self.renamed_roots: set[str] = set()  # units to write again whole
        self.made: dict[str, Part] = {}  # units made again: their cleared members' facts
        self.cleared: set[str] = set()  # members whose nominations and credits go
        self.old_final: dict[str, str] = {}  # final ids before the update
        self.parts: dict[str, Part] = {}  # article parts, linked
        # the changed articles' records and settled categories, as they were
        self.old_records: dict[str, ArticleRecords] = {}
        self.old_chosen: dict[str, dict[int, str | None]] = {}
        self.writing = False  # the database is being written: no longer as it was
        self._merged: dict[str, _Merged | None] = {}  # merged so far, by entity
        self._folds: dict[str, list[EntityRow] | None] = {}  # kept folds, as they were
        # entities whose fold was kept again: how many of their rows had moved then
        self._refolded: dict[str, int] = {}
        state.changes = RowChanges()

    def _merge_of(self, pid: str) -> _Merged | None:
        """The entity merged from its rows as they are now (None if it has
        none), read once: a shared entity (a category, a ceremony) has a row in
        nearly every article, so every touched entity's rows, held until the
        end, cost more than all else an update holds."""
        if pid not in self._merged:
            rows = self._rows_now(pid)
            self._merged[pid] = _Merged.of(pid, rows) if rows else None
        return self._merged[pid]

    def _rows_now(self, pid: str) -> list[EntityRow]:
        """The entity's rows as they are now, or its kept fold (as it was when
        the update began) followed by the rows put since, when it lost none
        but rows put again alike, or rows a row put stands in for
        (``RowChanges.added``; ``folded_rows``: they merge the same); its
        fold is kept again."""
        if pid not in self._folds:  # read before this update keeps its own
            self._folds[pid] = self.state.fold(pid)
        fold = self._folds[pid]
        added = self.state.changes.added(pid, fold) if fold is not None else None
        rows = fold + added if fold is not None and added is not None else self.state.rows(pid)
        if rows and (fold is not None or len(rows) >= FOLD_MIN):
            self.state.put_fold(pid, rows)
            self._refolded[pid] = self.state.changes.moves(pid)
        return rows

    def _forget_stale_folds(self) -> None:
        """A fold stands for the rows it was made from: an entity whose rows
        moved after its fold was last kept in this update, or that was not
        merged again and whose rows changed, loses it; the next merge reads
        its rows and keeps it again. One not merged again whose rows are as
        they were (a unit made again drops its rows and puts equal ones
        back) keeps its fold: an award or a ceremony in thousands of
        articles loses and regains rows so on most adds, and each time its
        fold went, the next add that merged it read every one of its rows."""
        changes = self.state.changes
        for pid in sorted(changes.moved()):
            refolded = self._refolded.get(pid)
            if refolded == changes.moves(pid):
                continue  # folded from its rows as they are now
            if refolded is None and not changes.changed(pid):
                continue  # its rows as they were: its kept fold still merges as they do
            self.state.forget_fold(pid)

    def run(self, changed: dict[str, ArticleFacts], paths: dict[str, str],
            before_writing: Callable[[], object] | None = None) -> None:
        """Update the parts for the ``changed`` articles (the others' facts
        files in ``paths``), then the database; ``before_writing`` is called
        in between (what it raises leaves the database untouched)."""
        maps, relinked = self._names(changed)
        facts = dict(changed)
        for article in sorted(relinked - facts.keys()):
            facts[article] = _load_facts(paths[article])
        touched: set[str] = set()
        for article in sorted(facts):
            kept = self.state.article(article)
            if kept is not None:
                touched |= kept[3]
                self.old_records[article] = self.state.records(article)
                self.old_chosen[article] = self.state.chosen(article)
            self.entities |= self.state.forget_article(article)
            part = articles_part([facts[article]], maps, self.gaz)
            self.state.put_article(facts[article], paths[article], part, maps, self.gaz)
            self.entities |= part.corpus.entities.keys()
            self.articles.add(article)
            touched |= self.state.article(article)[3]
        self._make_units(touched, maps, facts)
        self._merge_and_link()
        self._forget_stale_folds()
        if before_writing is not None:
            before_writing()
        self.writing = True
        self._write()

    # names

    def _names(self, changed: dict[str, ArticleFacts]) -> tuple[NameMaps, set[str]]:
        """Update the name counts and maps by what the changed articles added
        and removed; the new maps, and the articles to link again (the changed
        ones and those using a spelling whose name changed)."""
        works: WorkNames = self.state.meta("work_names")
        people: PeopleNames = self.state.meta("people_names")
        authors: Counter[tuple] = self.state.meta("authors")
        work_delta: Counter[str] = Counter()
        people_delta: Counter[str] = Counter()
        gone: Counter[tuple] = Counter()  # the changed articles' tweet authors, before
        came: Counter[tuple] = Counter()  # and now
        for article, f in changed.items():
            kept = self.state.article(article)
            if kept is not None:
                work_delta.subtract(kept[2][0])
                people_delta.subtract(kept[2][1])
                gone.update(kept[2][2])
            names = article_names(f)
            work_delta.update(names[0])
            people_delta.update(names[1])
            came.update(names[2])
        authors.subtract(gone)
        authors.update(came)
        authors = +authors  # unary plus: only the positive counts
        work_before = {k: works.canon.get(k) for k in {name_key(n) for n in work_delta}}
        work_changed = works.update(work_delta)
        keys_moved = {k for k in work_changed if (work_before[k] is not None) != (k in works.canon)}
        relinked = set(changed)
        old_personal: Counter[str] = self.state.meta("personal")
        if keys_moved:  # a tweet's author may be a work's account now, or no longer
            personal = personal_authors(authors, works.canon, self.gaz)
            old_works = {**works.canon, **work_before}
            before = _accounts(NameMaps({k: v for k, v in old_works.items() if v is not None},
                                        {}), self.gaz)
            after = _accounts(NameMaps(works.canon, {}), self.gaz)
            for author, handle in authors:
                if before.account_kind(author, handle) != after.account_kind(author, handle):
                    relinked |= self._users("author", author)
        else:  # an account's kind depends on the works' keys alone: the same
            personal = old_personal.copy()
            personal.subtract(personal_authors(gone, works.canon, self.gaz))
            personal.update(personal_authors(came, works.canon, self.gaz))
            personal = +personal
        people_delta.update(personal)
        people_delta.subtract(old_personal)
        for key in work_changed:
            relinked |= self._users("work", key)
        for name in people.update(people_delta, self.gaz):
            relinked |= self._users("person", name)
        for key, value in (("work_names", works), ("people_names", people),
                           ("authors", authors), ("personal", personal)):
            self.state.set_meta(key, value)
        return NameMaps(works.canon, people.canon), relinked

    def _users(self, kind: str, name: str) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT article FROM name_use WHERE kind = ? AND name = ?", (kind, name))}

    # categories and units

    def _make_units(self, touched: set[str], maps: NameMaps,
                    facts: dict[str, ArticleFacts]) -> None:
        """Settle again the nominations the changed articles reach, and make
        again only the units whose members' facts or settled categories
        changed (``kg.storerecords``)."""
        kept = KeptRecords(self.state)
        dirty = self._settle(kept, touched, facts)
        units = Units(kept)
        redo, before = self._drop_units(dirty, units)
        read: dict[str, ArticleFacts] = {}

        def facts_of(article: str) -> ArticleFacts:
            if article in facts:
                return facts[article]
            if article not in read:
                read[article] = self.state.owned_facts(article)
            return read[article]

        mains: dict[str, str] = {}
        mains_read: set[str] = set()
        chosen: dict[str, dict[int, str | None]] = {}
        made: dict[str, tuple[Part, dict[str, str]]] = {}
        for unit in sorted(redo):
            records = units.records(unit)
            for article in records.keys() - mains_read:
                mains.update(self.state.main_ceremonies(article))
                mains_read.add(article)
                chosen[article] = self.state.chosen(article)
            settled = _settled_of(records, chosen)
            facts_now, aligned = unit_facts(records, facts_of, settled)
            part = component_part(facts_now, mains, maps, self.gaz, chosen=aligned)
            made[unit] = part, self.state.put_unit(unit, units.members(unit), part)
            self.entities |= part.corpus.entities.keys()
            self.roots.add(unit)
        # a member's nominations and credits are written again only if they
        # came out otherwise: a unit an article reaches can hold thousands
        # of nominees it does not name
        after = {pid: d for _, digests in made.values() for pid, d in digests.items()}
        cleared = {pid for pid in before.keys() | after.keys() if before.get(pid) != after.get(pid)}
        self.cleared |= cleared
        for unit, (part, digests) in made.items():
            self.made[unit] = _members_facts(part, cleared & digests.keys())

    def _settle(self, kept: KeptRecords, touched: set[str],
                facts: dict[str, ArticleFacts]) -> set[str]:
        """Settle again the nominations the changed articles' (as they were
        and are) reach, keep the categories that came out otherwise, and
        return the members to make again: those the changed articles name
        (owners and costars) and those whose categories changed."""
        groups: set[Group] = set()
        sentences: set[Sentence] = set()
        dirty = set(touched)
        for article in sorted(facts):
            old = self.old_records.get(article)
            if old is not None:
                groups.update((r.owner, r.ceremony) for r in old.nominations)
            for r in kept.records(article).nominations:
                groups.add((r.owner, r.ceremony))
                sentences.add((article, r.start, r.end))
                if r.costar is not None:
                    dirty.add(r.costar)
        reached = reach(kept, groups, sentences)
        settled = settle(reached)
        before = {a: self.old_chosen.get(a, {}) if a in facts else self.state.chosen(a)
                  for a in reached}
        dirty |= changed_categories(settled, before, reached)
        for article, recs in reached.items():  # a changed article's every nomination
            now = {} if article in facts else dict(before[article])
            for r in recs.nominations:
                now[r.pos] = settled[(article, r.pos)]
            if article in facts or now != before[article]:
                self.state.put_chosen(article, dict(sorted(now.items())))
        return dirty

    def _drop_units(self, dirty: set[str], units: Units) -> tuple[set[str], dict[str, str]]:
        """Drop the kept units of the ``dirty`` members, and of every member of
        a unit to make again or dropped on the way (a costar came or went);
        returns the units to make again and each dropped member's digest."""
        before: dict[str, str] = {}
        redo: set[str] = set()
        todo = sorted(dirty, reverse=True)
        while todo:
            pid = todo.pop()
            unit = units.unit_of(pid)
            if unit is not None and unit not in redo:
                redo.add(unit)
                todo.extend(sorted(units.members(unit)))
            old = self.state.unit_of(pid)
            if old is not None:
                dropped, named = self.state.forget_unit(old)
                before.update(dropped)
                self.entities |= named
                todo.extend(sorted(dropped))
        return redo, before

    # entities, handles and ids

    def _merge_and_link(self) -> None:
        # of the entities the changed parts name, those whose rows changed:
        # the rest merge as they did
        changed = {pid for pid in self.entities if self.state.changes.changed(pid)}
        spelled_before = self._spelled_winners(changed)
        accounts_before = {pid: self._account_state(pid) for pid in changed
                           if pid.startswith("account\x1f")}
        slugs = self._merge(changed)
        # articles whose @handles may point elsewhere now
        deps = {f"account\x1f{pid.split(chr(31), 1)[1]}" for pid, before in
                accounts_before.items() if self._account_state(pid) != before}
        deps |= {"spell\x1f" + k for k, pid in spelled_before.items()
                 if self.state.spelled(k) != pid}
        relink = set(self.articles)
        for dep in deps:
            relink |= {r[0] for r in self.db.execute(
                "SELECT article FROM handle WHERE key = ?", (dep,))}
        bare: set[str] = set()
        for article in sorted(relink):
            part = self.state.article(article)[1]
            bare |= self.state.forget_rows(handle_source(article))
            rows, targets = link_article(part, self.state)
            self.state.put_rows(handle_source(article), rows)
            self.state.put_targets(article, targets)
            bare |= rows.keys()
            self.parts[article] = part
            self.articles.add(article)
        # merged again: those merged above (with the rows they had then) and
        # those whose rows changed
        bare = {pid for pid in bare if pid in self.rewrite or self.state.changes.changed(pid)}
        for pid in bare:
            self._merged.pop(pid, None)
        slugs |= self._merge(bare)
        self.entities |= bare
        self._number(slugs)

    def _spelled_winners(self, pids: set[str]) -> dict[str, str | None]:
        """Who each name the entities spell (before and after their merge) names now."""
        keys = set()
        for pid in pids:
            kept = self.state.entity(pid)
            if kept is not None:
                keys.add(spelling(kept[0].name))
            merged = self._merge_of(pid)
            if merged is not None:
                keys.add(spelling(merged.entity.name))
        return {k: self.state.spelled(k) for k in keys}

    def _account_state(self, pid: str) -> tuple:
        ent = self.state.real_entity(pid)
        return (ent is not None, ent.attrs.get("owner") if ent else None)

    def _merge(self, pids: Iterable[str]) -> set[str]:
        """Merge these entities again from their rows; returns the slug groups
        to number again."""
        slugs = set()
        for pid in sorted(pids):
            kept = self.state.entity(pid)
            if kept is not None:
                self.old_final.setdefault(pid, kept[2])
                slugs.add(id_base(kept[0]))
            merged = self._merge_of(pid)
            self.rewrite.add(pid)
            if merged is None:
                self.state.forget_entity(pid)
                continue
            ent = merged.entity
            slugs.add(id_base(ent))
            self.state.put_entity(pid, ent, merged.first, kept[2] if kept else "", merged.real,
                                  merged.refs)
        return slugs

    def _number(self, slugs: set[str]) -> None:
        renamed = set()
        for base in sorted(slugs):
            members = {pid: (pickle.loads(first), final) for pid, first, final in self.db.execute(
                "SELECT pid, first, final FROM entity WHERE slug = ?", (base,)).fetchall()}
            firsts = {pid: f for pid, (f, _) in members.items()}
            for pid, final in number_group(base, list(members), firsts).items():
                if members[pid][1] != final:
                    self.old_final.setdefault(pid, members[pid][1])
                    self.db.execute("UPDATE entity SET final = ? WHERE pid = ?", (final, pid))
                    if members[pid][1]:  # a new entity (no id yet): nothing names it yet
                        renamed.add(pid)
        for pid in renamed:  # everything that names it is written again
            self.rewrite.add(pid)
            for source in self.state.sources(pid):
                kind, _, key = source.partition("\x1f")
                if kind in ("a", "h"):
                    self.articles.add(key)
                elif kind == "c":
                    self.renamed_roots.add(key)
            self.articles |= {r[0] for r in self.db.execute(
                "SELECT article FROM target WHERE pid = ?", (pid,))}
            self.rewrite |= {r[0] for r in self.db.execute(
                "SELECT pid FROM ref WHERE target = ?", (pid,))}

    # the database

    def _write(self) -> None:
        for root in self.renamed_roots:
            self.cleared |= {r[0] for r in self.db.execute(
                "SELECT pid FROM member WHERE unit = ?", (root,))}
        self.roots |= self.renamed_roots
        removed = self._old_quads()
        cited = {q.object for q in removed if q.predicate == _K_EVIDENCE}
        # the new quads, one at a time (an update that reaches many entities
        # makes again mostly the quads they had: held as well, they cost more
        # memory than the rest of the add): made again, a removed quad stays;
        # only what the database lacks is inserted
        still: set[pyoxigraph.NamedNode] = set()
        inserted: set[pyoxigraph.Quad] = set()
        for q in self._new_quads():
            if q.predicate == _K_EVIDENCE:
                still.add(q.object)
            if q in removed:
                removed.discard(q)
            elif q not in self.database:
                inserted.add(q)
        # an article replaced by another text may have a sentence at the same
        # offsets, so the same evidence node, that reads otherwise: its old
        # sentence goes (an evidence node's every property has one value)
        for q in inserted:
            if q.subject.value.startswith(_EVIDENCE):
                removed.update(old for old in self.database.quads_for_pattern(
                    q.subject, q.predicate, None, q.graph_name) if old != q)
        # evidence sentences nothing cites once this is done (their own quads
        # are made only where something cites them: never in ``inserted``)
        for ev in cited - still:
            citing = set(self.database.quads_for_pattern(None, _K_EVIDENCE, ev))
            if citing <= removed:
                removed.update(self.database.quads_for_pattern(ev, None, None))
        # one SPARQL update, which Oxigraph applies whole: a reader sees the
        # graph before or after, never half of the change
        self.database.update(_sparql_update(removed, inserted))

    def _old_quads(self) -> set[pyoxigraph.Quad]:
        """What the database holds of what this update writes again: the
        changed articles' graphs (not their evidence sentences, which other
        graphs may cite), the cleared members' nominations and credits, the
        rewritten entities' own triples."""
        removed: set[pyoxigraph.Quad] = set()
        for article in self.articles:
            graph = article_graph(article)
            removed.update(q for q in self.database.quads_for_pattern(None, None, None, graph)
                           if not q.subject.value.startswith(_EVIDENCE))
        entities_graph = pyoxigraph.NamedNode(str(ENTITIES_GRAPH))
        for pid in self.cleared:
            iri = self._old_iri(pid)
            if iri is None:
                continue
            for predicate in (_K_NOMINEE, _K_PERFORMER):
                for q in self.database.quads_for_pattern(None, predicate, iri, entities_graph):
                    removed.update(self.database.quads_for_pattern(q.subject, None, None,
                                                                   entities_graph))
            for predicate in _COMPONENT_PREDICATES:
                removed.update(self.database.quads_for_pattern(iri, predicate, None,
                                                               entities_graph))
        for pid in self.rewrite:
            iri = self._old_iri(pid)
            if iri is not None:
                removed.update(q for q in self.database.quads_for_pattern(iri, None, None,
                                                                          entities_graph)
                               if q.predicate not in _COMPONENT_PREDICATES)
        return removed

    def _old_iri(self, pid: str) -> pyoxigraph.NamedNode | None:
        final = self.old_final.get(pid)
        if final is None:
            kept = self.state.entity(pid)
            final = kept[2] if kept else None
        return entity_node(final) if final else None

    def _new_quads(self) -> Iterator[pyoxigraph.Quad]:
        articles = []
        for article in sorted(self.articles):
            part = self.parts.get(article)
            if part is None:
                kept = self.state.article(article)
                if kept is None:
                    continue
                part = kept[1]
                link_article(part, self.state)
            articles.append(part)
        components = [self.made[root] if root in self.made and root not in self.renamed_roots
                      else _members_facts(self.state.unit(root), self.cleared)
                      for root in sorted(self.roots)]
        entities, rows = {}, {}
        for pid in sorted(self.rewrite):
            kept = self.state.entity(pid)
            if kept is not None:
                merged = self._merge_of(pid)
                entities[pid] = kept[0]
                # all the corpus reads of an entity's rows: network and ceremony votes
                rows[pid] = [] if merged is None else [EntityRow(
                    merged.first, kept[0], airs=merged.airs, votes=merged.votes)]
        corpus = assemble(articles, components, entities, rows, _Finals(self.state))
        return QuadWriter(corpus).quads()


@dataclass(frozen=True, slots=True)
class _Merged:
    """What an update needs of an entity's rows: the entity merged from them,
    its rank, whether it is more than an account known by its handle, the
    entities its own triples name, and its network and ceremony votes."""

    entity: Entity
    first: tuple
    real: bool
    refs: frozenset[str]
    airs: tuple[tuple, ...]
    votes: tuple[tuple, ...]

    @classmethod
    def of(cls, pid: str, rows: list[EntityRow]) -> _Merged:
        ent = merge_entity(pid, rows)
        return cls(ent, entity_rank(rows), is_real(rows), frozenset(entity_refs(ent, rows)),
                   tuple(v for r in rows for v in r.airs),
                   tuple(v for r in rows for v in r.votes))


def _members_facts(part: Part, members: set[str]) -> Part:
    """A component part with only these members' nominations and credits
    (each one's quads name its member and nothing else of the part, but other
    entities' final ids: a component that names one whose id changed is
    written again whole, ``Update.renamed_roots``)."""
    corpus = dataclasses.replace(
        part.corpus, nominations=[n for n in part.corpus.nominations if n.nominee in members],
        credits=[cr for cr in part.corpus.credits if cr.person in members])
    return dataclasses.replace(part, corpus=corpus)


def _settled_of(records: Records, chosen: dict[str, dict[int, str | None]]
                ) -> dict[FactKey, str | None]:
    """The kept categories of these records' nominations, by fact; a kept
    state that lacks one is damaged (``StateError``: rebuilt in full)."""
    out: dict[FactKey, str | None] = {}
    for article, recs in records.items():
        kept = chosen[article]
        for r in recs.nominations:
            if r.pos not in kept:
                raise StateError(f"no settled category kept for {article!r}")
            out[(article, r.pos)] = kept[r.pos]
    return out


def _accounts(maps: NameMaps, gaz: Gazetteer) -> Entities:
    """Entities that tell what owns an account under these name maps."""
    ents = Entities(Corpus(articles=[]), gaz)
    ents.use_names(maps.works, maps.people)
    return ents


def _sparql_update(removed: Iterable[pyoxigraph.Quad], added: Iterable[pyoxigraph.Quad]) -> str:
    def data(quads: Iterable[pyoxigraph.Quad]) -> str:
        by_graph: dict[str, list[str]] = defaultdict(list)
        for q in quads:
            by_graph[str(q.graph_name)].append(f"{q.subject} {q.predicate} {q.object} .")
        return " ".join(f"GRAPH {g} {{ {' '.join(sorted(lines))} }}"
                        for g, lines in sorted(by_graph.items()))
    parts = []
    removed, added = list(removed), list(added)
    if removed:
        parts.append(f"DELETE DATA {{ {data(removed)} }}")
    if added:
        parts.append(f"INSERT DATA {{ {data(added)} }}")
    return " ;\n".join(parts) or "INSERT DATA { }"


class _Finals(dict):
    """Provisional id -> final id, read from the kept state as asked."""

    def __init__(self, state: PartsState) -> None:
        super().__init__()
        self.state = state

    def __missing__(self, pid: str) -> str:
        final = self[pid] = self.state.final(pid)
        return final


_EVIDENCE = ENTITY_BASE + "evidence/"
_K_NOMINEE = pyoxigraph.NamedNode(str(KG.nominee))
_K_PERFORMER = pyoxigraph.NamedNode(str(KG.performer))
_K_EVIDENCE = pyoxigraph.NamedNode(str(KG.evidence))
_COMPONENT_PREDICATES = {pyoxigraph.NamedNode(str(p)) for p in _OWNED_BY_COMPONENTS}
