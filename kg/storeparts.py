"""A store's resolution, kept in parts so that adding an article costs that article.

A store keeps, beside its Oxigraph database, the parts its graph was merged
from (``kg.resolve.parts``): one per article, one per component of coupled
nominees, and one row per (entity, part) with what that part says of the
entity; the corpus's name counts; and each entity's merged form and final id.
Adding or replacing articles then:

1. updates the name counts and maps; an article using a spelling whose name
   changed is linked again;
2. links the changed articles again (their article parts) and recomputes the
   components that hold any of their facts' nominees or people;
3. merges again only the entities those parts touch, and numbers again only
   the slug groups whose members changed;
4. rewrites in the database exactly what changed: the changed articles'
   graphs, those whose entities changed id or whose @handles point elsewhere
   now, the changed components' nominations and credits, the changed
   entities' own triples, and evidence sentences nothing cites any more.

The result equals a fresh build of every stored article (tests/test_store.py
checks it). When the kept state is missing, damaged, made by other code, or
left half-written by a killed build, the store is rebuilt in full instead.
"""

from __future__ import annotations

import pickle
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path

import pyoxigraph
from networkx.utils import UnionFind

from kg.dataset import ENTITIES_GRAPH, article_graph_iri
from kg.gazetteer import Gazetteer
from kg.rdf import QuadWriter, _iri, _part
from kg.records import ArticleFacts
from kg.resolve.entities import Entities
from kg.resolve.model import Corpus, Entity
from kg.resolve.names import name_key, person_names, slugify, work_names
from kg.resolve.parts import (
    EntityRow,
    NameMaps,
    Part,
    articles_part,
    assemble,
    component_facts,
    component_part,
    entity_rank,
    fact_owners,
    final_ids,
    link_handles,
    merge_entity,
    number_group,
    part_rows,
    spellable,
    spelled_names,
    spelling,
)
from kg.vocab import ENTITY_BASE, KG

STATE_FILE = "parts.sqlite"
# written before the database and the state change, removed once both have:
# found by a later build, it means the two may disagree (a full rebuild follows)
DIRTY_MARK = ".parts-dirty"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE article (id TEXT PRIMARY KEY, facts TEXT, part BLOB, names BLOB, owners BLOB);
CREATE TABLE component (root TEXT PRIMARY KEY, part BLOB);
CREATE TABLE member (pid TEXT PRIMARY KEY, root TEXT);
CREATE TABLE owner (pid TEXT, article TEXT);
CREATE INDEX owner_pid ON owner (pid);
CREATE TABLE link (article TEXT, a TEXT, b TEXT);
CREATE INDEX link_article ON link (article);
CREATE TABLE name_use (kind TEXT, name TEXT, article TEXT);
CREATE INDEX name_use_name ON name_use (kind, name);
CREATE TABLE row (pid TEXT, source TEXT, data BLOB);
CREATE INDEX row_pid ON row (pid);
CREATE INDEX row_source ON row (source);
CREATE TABLE entity (pid TEXT PRIMARY KEY, slug TEXT, first BLOB, final TEXT, real INT,
                     data BLOB);
CREATE INDEX entity_slug ON entity (slug);
CREATE TABLE handle (key TEXT, article TEXT);
CREATE INDEX handle_key ON handle (key);
CREATE TABLE target (pid TEXT, article TEXT);
CREATE INDEX target_pid ON target (pid);
CREATE TABLE spelled (key TEXT, pid TEXT, first BLOB);
CREATE INDEX spelled_key ON spelled (key);
CREATE TABLE ref (target TEXT, pid TEXT);
CREATE INDEX ref_target ON ref (target);
"""
_OWNED_BY_COMPONENTS = {KG.wonAward, KG.nominatedFor, KG.actedIn}


def _dump(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _article_source(article: str) -> str:
    return "a\x1f" + article


def _component_source(root: str) -> str:
    return "c\x1f" + root


class StateError(Exception):
    """The kept state cannot be used: the store is rebuilt in full."""


# --- names ----------------------------------------------------------------------------------

def article_names(f: ArticleFacts) -> tuple[Counter[str], Counter[str], Counter[tuple]]:
    """What one article adds to the corpus's name counts: work names, people's
    names, and tweet authors (whose kind depends on the works)."""
    works: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for m in f.mentions:
        if m.ref.kind == "work":
            works[m.ref.name] += 1
        elif m.ref.kind == "person":
            people[m.ref.name] += 1
    for x in [*f.credits, *f.airs]:
        works[x.work.name] += 1
    for n in f.nominations:
        if n.work:
            works[n.work.name] += 1
    authors = Counter((t.author, t.handle) for t in f.tweets)
    return works, people, authors


def maps_from_counts(works: Counter[str], people: Counter[str], authors: Counter[tuple],
                     gaz: Gazetteer) -> NameMaps:
    """The name maps from the corpus's counts (as ``Entities.learn_names``)."""
    work_canon = work_names(works)
    scratch = Entities(Corpus(articles=[]), gaz)
    scratch.use_names(work_canon, {})
    everyone = Counter(people)
    from kg.records import Tweet  # noqa: PLC0415 - a stand-in tweet for author_kind
    for (author, handle), n in authors.items():
        probe = Tweet(text="", author=author, handle=handle, date=None, evidence=None)  # type: ignore[arg-type]
        if scratch.author_kind(probe) == "person":
            everyone[author] += n
    return NameMaps(work_canon, person_names(everyone, gaz))


# --- the kept state ---------------------------------------------------------------------------

def _refs(ent: Entity, rows: list[EntityRow]) -> set[str]:
    """The entities ``ent``'s own triples name (to write again when one's id changes)."""
    out = {ent.attrs[a] for a in ("award", "owner") if a in ent.attrs}
    for r in rows:
        out |= {net for net, _, _ in r.airs}
        out |= {x for _, _, host, venue, _ in r.votes for x in (host, venue) if x}
    return out


def _handle_deps(part: Part) -> set[str]:
    """What linking an article's @handles depends on: the accounts of those
    handles, and the names they spell."""
    out = set()
    for rt in part.corpus.tweets:
        for handle in rt.tweet.handles_mentioned:
            if handle not in rt.tweet.resolved_handles:
                out.add(f"account\x1f{handle.casefold()}")
                out.add("spell\x1f" + re.sub(r"\W|_", "", handle.casefold()))
    return out


class PartsState:
    """The sqlite file of a store's parts (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None)

    def close(self) -> None:
        self.db.close()

    def meta(self, key: str) -> object:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise StateError(f"no {key} kept")
        return pickle.loads(row[0])

    def set_meta(self, key: str, value: object) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, _dump(value)))

    def article_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM article")]

    def article(self, article: str) -> tuple[Path, Part, tuple, set[str]] | None:
        row = self.db.execute("SELECT facts, part, names, owners FROM article WHERE id = ?",
                              (article,)).fetchone()
        if row is None:
            return None
        return Path(row[0]), pickle.loads(row[1]), pickle.loads(row[2]), pickle.loads(row[3])

    def rows(self, pid: str) -> list[EntityRow]:
        return [pickle.loads(r[0]) for r in
                self.db.execute("SELECT data FROM row WHERE pid = ?", (pid,))]

    def entity(self, pid: str) -> tuple[Entity, tuple, str, bool] | None:
        row = self.db.execute("SELECT data, first, final, real FROM entity WHERE pid = ?",
                              (pid,)).fetchone()
        if row is None:
            return None
        return pickle.loads(row[0]), pickle.loads(row[1]), row[2], bool(row[3])

    def real_entity(self, pid: str) -> Entity | None:
        """The merged entity, unless it is an account known only by its handle."""
        found = self.entity(pid)
        return found[0] if found and found[3] else None

    def spelled(self, key: str) -> str | None:
        best = None
        for pid, first in self.db.execute("SELECT pid, first FROM spelled WHERE key = ?",
                                          (key,)):
            candidate = (pickle.loads(first), pid)
            if best is None or candidate < best:
                best = candidate
        return best[1] if best else None

    def final(self, pid: str) -> str:
        row = self.db.execute("SELECT final FROM entity WHERE pid = ?", (pid,)).fetchone()
        if row is None:
            raise StateError(f"no entity {pid!r} kept")
        return row[0]

    def sources(self, pid: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT source FROM row WHERE pid = ?",
                                              (pid,))}

    # ----- writing

    def put_article(self, f: ArticleFacts, facts_path: Path, part: Part, maps: NameMaps,
                    gaz: Gazetteer) -> None:
        """Keep one article's part, names, fact owners, links and handles."""
        db = self.db
        owner, joined = fact_owners([f], maps, gaz)
        owners = set(owner.values())
        names = article_names(f)
        db.execute("INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?, ?)",
                   (f.article_id, str(facts_path), _dump(part), _dump(names), _dump(owners)))
        db.executemany("INSERT INTO owner VALUES (?, ?)", [(o, f.article_id) for o in owners])
        db.executemany("INSERT INTO link VALUES (?, ?, ?)",
                       [(f.article_id, min(s), k) for s in joined.to_sets() for k in s])
        works, people, authors = names
        db.executemany("INSERT INTO name_use VALUES (?, ?, ?)",
                       [("work", name_key(w), f.article_id) for w in works]
                       + [("person", n, f.article_id) for n in people]
                       + [("author", a, f.article_id) for a, _ in authors])
        db.executemany("INSERT INTO handle VALUES (?, ?)",
                       [(k, f.article_id) for k in _handle_deps(part)])
        self.put_rows(_article_source(f.article_id), part_rows(part))

    def forget_article(self, article: str) -> set[str]:
        """Drop what is kept of an article; returns the entities its rows named."""
        named = self.forget_rows(_article_source(article)) | self.forget_rows(
            _handle_source(article))
        for table, column in (("article", "id"), ("owner", "article"), ("link", "article"),
                              ("name_use", "article"), ("handle", "article"),
                              ("target", "article")):
            self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (article,))  # noqa: S608
        return named

    def put_rows(self, source: str, rows: dict[str, EntityRow]) -> None:
        self.db.executemany("INSERT INTO row VALUES (?, ?, ?)",
                            [(pid, source, _dump(r)) for pid, r in rows.items()])

    def forget_rows(self, source: str) -> set[str]:
        named = {r[0] for r in self.db.execute("SELECT pid FROM row WHERE source = ?",
                                               (source,))}
        self.db.execute("DELETE FROM row WHERE source = ?", (source,))
        return named

    def put_component(self, root: str, keys: set[str], part: Part) -> None:
        self.db.execute("INSERT OR REPLACE INTO component VALUES (?, ?)", (root, _dump(part)))
        self.db.executemany("INSERT OR REPLACE INTO member VALUES (?, ?)",
                            [(k, root) for k in keys])
        self.put_rows(_component_source(root), part_rows(part))

    def forget_component(self, root: str) -> tuple[set[str], set[str]]:
        """Drop a component; returns its members and the entities its rows named."""
        members = {r[0] for r in self.db.execute("SELECT pid FROM member WHERE root = ?",
                                                 (root,))}
        self.db.execute("DELETE FROM component WHERE root = ?", (root,))
        self.db.execute("DELETE FROM member WHERE root = ?", (root,))
        return members, self.forget_rows(_component_source(root))

    def component(self, root: str) -> Part:
        row = self.db.execute("SELECT part FROM component WHERE root = ?", (root,)).fetchone()
        if row is None:
            raise StateError(f"no component {root!r} kept")
        return pickle.loads(row[0])

    def put_targets(self, article: str, pids: Iterable[str]) -> None:
        self.db.execute("DELETE FROM target WHERE article = ?", (article,))
        self.db.executemany("INSERT INTO target VALUES (?, ?)", [(p, article) for p in pids])

    def put_entity(self, pid: str, ent: Entity, rows: list[EntityRow], first: tuple,
                   final: str) -> None:
        db = self.db
        real = not all(r.bare for r in rows)
        db.execute("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, ?)",
                   (pid, f"{ent.kind}/{slugify(ent.name)}", _dump(first), final, int(real),
                    _dump(ent)))
        db.execute("DELETE FROM spelled WHERE pid = ?", (pid,))
        if spellable(ent, first):
            db.execute("INSERT INTO spelled VALUES (?, ?, ?)",
                       (spelling(ent.name), pid, _dump(first)))
        db.execute("DELETE FROM ref WHERE pid = ?", (pid,))
        db.executemany("INSERT INTO ref VALUES (?, ?)", [(t, pid) for t in _refs(ent, rows)])

    def forget_entity(self, pid: str) -> None:
        for table in ("entity", "spelled", "ref"):
            self.db.execute(f"DELETE FROM {table} WHERE pid = ?", (pid,))  # noqa: S608


def _handle_source(article: str) -> str:
    return "h\x1f" + article


def _link(part: Part, state: PartsState) -> tuple[dict[str, EntityRow], set[str]]:
    """Link an article's @handles by the kept entities; returns the rows of the
    accounts it knows only by handle, and the entities its handles point to."""
    before = [len(rt.mentions) for rt in part.corpus.tweets]
    bare = link_handles(part, state.real_entity, state.spelled)
    targets = {m for rt, n in zip(part.corpus.tweets, before, strict=True)
               for m in rt.mentions[n:]}
    return bare, targets


# --- a full build ------------------------------------------------------------------------------

def write_full(state_path: Path, facts: list[ArticleFacts], paths: dict[str, Path],
               gaz: Gazetteer, code: str) -> Corpus:
    """Resolve the whole corpus in parts, keep them in a new state file at
    ``state_path``, and return the merged corpus (equal to ``resolve``'s)."""
    facts = sorted(facts, key=lambda f: f.article_id)  # in rank order
    works: Counter[str] = Counter()
    people: Counter[str] = Counter()
    authors: Counter[tuple] = Counter()
    for f in facts:
        w, p, a = article_names(f)
        works.update(w)
        people.update(p)
        authors.update(a)
    maps = maps_from_counts(works, people, authors, gaz)
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(state_path) + suffix).unlink(missing_ok=True)
    state = PartsState(state_path)
    with closing(state):
        state.db.executescript(_SCHEMA)
        state.db.execute("BEGIN")
        for key, value in (("code", code), ("maps", maps), ("works", works),
                           ("people", people), ("authors", authors)):
            state.set_meta(key, value)
        articles = {}
        for f in facts:
            articles[f.article_id] = articles_part([f], maps, gaz)
            state.put_article(f, paths[f.article_id], articles[f.article_id], maps, gaz)
        mains = {k: v for p in articles.values() for k, v in p.main_ceremonies.items()}
        owner, joined = fact_owners(facts, maps, gaz)
        components = {}
        for mine in component_facts(facts, owner, joined):
            keys = _keys_of(mine, owner)
            root = min(keys)
            components[root] = component_part(mine, mains, maps, gaz)
            state.put_component(root, keys, components[root])
        corpus = _merge_all(state, articles, components)
        state.db.execute("COMMIT")
    return corpus


def _keys_of(facts: list[ArticleFacts], owner: dict[int, str]) -> set[str]:
    return {owner[id(x)] for f in facts for x in (*f.nominations, *f.credits, *f.characters)
            if id(x) in owner}


def _merge_all(state: PartsState, articles: dict[str, Part],
               components: dict[str, Part]) -> Corpus:
    """Merge every part, as ``kg.resolve.parts.merge`` does, keeping what an
    update needs."""
    rows: dict[str, list[EntityRow]] = defaultdict(list)
    for p in [*articles.values(), *components.values()]:
        for pid, r in part_rows(p).items():
            rows[pid].append(r)
    entities = {pid: merge_entity(pid, found) for pid, found in rows.items()}
    first = {pid: entity_rank(found) for pid, found in rows.items()}
    spelled = spelled_names(entities, first)
    ordered = [articles[k] for k in sorted(articles)]
    for p in ordered:
        article = p.corpus.articles[0].article_id
        before = [len(rt.mentions) for rt in p.corpus.tweets]
        bare = link_handles(p, entities.get, spelled.get)
        state.put_rows(_handle_source(article), bare)
        state.put_targets(article, {m for rt, n in zip(p.corpus.tweets, before, strict=True)
                                    for m in rt.mentions[n:]})
        for pid, row in bare.items():
            rows[pid].append(row)
    for pid in {pid for pid, found in rows.items() if pid not in entities or any(
            r.bare for r in found)}:
        entities[pid], first[pid] = merge_entity(pid, rows[pid]), entity_rank(rows[pid])
    ids = final_ids({pid: (e.kind, e.name) for pid, e in entities.items()}, first)
    for pid, ent in entities.items():
        state.put_entity(pid, ent, rows[pid], first[pid], ids[pid])
    return assemble(ordered, [components[k] for k in sorted(components)], entities, rows, ids)


# --- an add ------------------------------------------------------------------------------------

def _load_facts(path: Path) -> ArticleFacts:
    try:
        facts = pickle.loads(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - any damage: rebuild in full
        raise StateError(f"kept facts unreadable: {path.name} ({exc})") from None
    if not isinstance(facts, ArticleFacts):
        raise StateError(f"kept facts unreadable: {path.name}")
    return facts


class Update:
    """One incremental update of a store's parts and its database (see the
    module docstring); ``run`` it inside one sqlite transaction."""

    def __init__(self, state: PartsState, database: pyoxigraph.Store, gaz: Gazetteer) -> None:
        self.state, self.db, self.database, self.gaz = state, state.db, database, gaz
        self.articles: set[str] = set()  # article graphs to write again
        self.entities: set[str] = set()  # entities to merge again
        self.rewrite: set[str] = set()  # entities whose triples to write again
        self.roots: set[str] = set()  # components to write again
        self.cleared: set[str] = set()  # members whose nominations and credits go
        self.old_final: dict[str, str] = {}  # final ids before the update
        self.parts: dict[str, Part] = {}  # article parts, linked

    def run(self, changed: dict[str, ArticleFacts], paths: dict[str, Path]) -> None:
        maps, relinked = self._names(changed)
        facts = dict(changed)
        for article in sorted(relinked - facts.keys()):
            facts[article] = _load_facts(paths[article])
        touched: set[str] = set()
        for article in sorted(facts):
            kept = self.state.article(article)
            if kept is not None:
                touched |= kept[3]
            self.entities |= self.state.forget_article(article)
            part = articles_part([facts[article]], maps, self.gaz)
            self.state.put_article(facts[article], paths[article], part, maps, self.gaz)
            self.entities |= part.corpus.entities.keys()
            self.articles.add(article)
            touched |= self.state.article(article)[3]
        self._components(touched, maps, paths)
        self._merge_and_link()
        self._write()

    # names

    def _names(self, changed: dict[str, ArticleFacts]) -> tuple[NameMaps, set[str]]:
        """Update the name counts; the new maps, and the articles to link again
        (the changed ones and those using a spelling whose name changed)."""
        counts = [self.state.meta(k) for k in ("works", "people", "authors")]
        for article, f in changed.items():
            kept = self.state.article(article)
            if kept is not None:
                for counter, old in zip(counts, kept[2], strict=True):
                    counter.subtract(old)
            for counter, new in zip(counts, article_names(f), strict=True):
                counter.update(new)
        for counter in counts:
            for k in [k for k, n in counter.items() if n <= 0]:
                del counter[k]
        old: NameMaps = self.state.meta("maps")
        maps = maps_from_counts(*counts, self.gaz)
        relinked = set(changed)
        for kind, before, after in (("work", old.works, maps.works),
                                    ("person", old.people, maps.people)):
            for name in before.keys() | after.keys():
                if before.get(name, "\0") != after.get(name, "\0"):
                    relinked |= self._users(kind, name)
        if set(old.works) != set(maps.works):  # a tweet's author may be a work's account now
            relinked |= {r[0] for r in self.db.execute(
                "SELECT DISTINCT article FROM name_use WHERE kind = 'author'")}
        for key, value in zip(("works", "people", "authors"), counts, strict=True):
            self.state.set_meta(key, value)
        self.state.set_meta("maps", maps)
        return maps, relinked

    def _users(self, kind: str, name: str) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT article FROM name_use WHERE kind = ? AND name = ?", (kind, name))}

    # components

    def _components(self, touched: set[str], maps: NameMaps, paths: dict[str, Path]) -> None:
        """Recompute the components holding the ``touched`` owners, as they are now."""
        old_roots = {r[0] for pid in touched for r in self.db.execute(
            "SELECT root FROM member WHERE pid = ?", (pid,))}
        start = set(touched)
        for root in old_roots:
            members, named = self.state.forget_component(root)
            start |= members
            self.cleared |= members
            self.entities |= named
        # the components of these owners now, by their links in every article;
        # a kept component reached on the way is recomputed too
        joined = UnionFind()
        todo, seen = sorted(start), set()
        while todo:
            pid = todo.pop()
            joined.union(pid)
            row = self.db.execute("SELECT root FROM member WHERE pid = ?", (pid,)).fetchone()
            if row is not None:
                members, named = self.state.forget_component(row[0])
                self.cleared |= members
                self.entities |= named
                todo.extend(m for m in members if m not in joined.parents)
            for (article,) in self.db.execute("SELECT article FROM owner WHERE pid = ?",
                                              (pid,)).fetchall():
                if article in seen:
                    continue
                seen.add(article)
                for a, b in self.db.execute("SELECT a, b FROM link WHERE article = ?",
                                            (article,)).fetchall():
                    todo.extend(x for x in (a, b) if x not in joined.parents)
                    joined.union(a, b)
        facts = [_load_facts(paths[a]) for a in sorted(seen)]
        owner, _ = fact_owners(facts, maps, self.gaz)
        owner = {k: v for k, v in owner.items() if v in joined.parents}
        mains = {}
        for article in seen:
            mains.update(self.state.article(article)[1].main_ceremonies)
        for mine in component_facts(facts, owner, joined):
            keys = _keys_of(mine, owner)
            root = min(keys)
            part = component_part(mine, mains, maps, self.gaz)
            self.state.put_component(root, keys, part)
            self.entities |= part.corpus.entities.keys()
            self.roots.add(root)
            self.cleared |= keys

    # entities, handles and ids

    def _merge_and_link(self) -> None:
        spelled_before = self._spelled_winners(self.entities)
        accounts_before = {pid: self._account_state(pid) for pid in self.entities
                           if pid.startswith("account\x1f")}
        slugs = self._merge(self.entities)
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
            bare |= self.state.forget_rows(_handle_source(article))
            rows, targets = _link(part, self.state)
            self.state.put_rows(_handle_source(article), rows)
            self.state.put_targets(article, targets)
            bare |= rows.keys()
            self.parts[article] = part
            self.articles.add(article)
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
            rows = self.state.rows(pid)
            if rows:
                keys.add(spelling(merge_entity(pid, rows).name))
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
                slugs.add(f"{kept[0].kind}/{slugify(kept[0].name)}")
            rows = self.state.rows(pid)
            self.rewrite.add(pid)
            if not rows:
                self.state.forget_entity(pid)
                continue
            ent = merge_entity(pid, rows)
            slugs.add(f"{ent.kind}/{slugify(ent.name)}")
            self.state.put_entity(pid, ent, rows, entity_rank(rows),
                                  kept[2] if kept else "")
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
                    renamed.add(pid)
        for pid in renamed:  # everything that names it is written again
            self.rewrite.add(pid)
            for source in self.state.sources(pid):
                kind, _, key = source.partition("\x1f")
                if kind in ("a", "h"):
                    self.articles.add(key)
                elif kind == "c":
                    self.roots.add(key)
            self.articles |= {r[0] for r in self.db.execute(
                "SELECT article FROM target WHERE pid = ?", (pid,))}
            self.rewrite |= {r[0] for r in self.db.execute(
                "SELECT pid FROM ref WHERE target = ?", (pid,))}

    # the database

    def _write(self) -> None:
        for root in self.roots:
            self.cleared |= {r[0] for r in self.db.execute(
                "SELECT pid FROM member WHERE root = ?", (root,))}
        removed = []
        for article in self.articles:
            graph = pyoxigraph.NamedNode(str(article_graph_iri(_part(article))))
            removed += [q for q in self.database.quads_for_pattern(None, None, None, graph)
                        if not q.subject.value.startswith(_EVIDENCE)]
        entities_graph = pyoxigraph.NamedNode(str(ENTITIES_GRAPH))
        for pid in self.cleared:
            iri = self._old_iri(pid)
            if iri is None:
                continue
            for predicate in (_K_NOMINEE, _K_PERFORMER):
                for q in self.database.quads_for_pattern(None, predicate, iri, entities_graph):
                    removed += self.database.quads_for_pattern(q.subject, None, None,
                                                               entities_graph)
            for predicate in _COMPONENT_PREDICATES:
                removed += self.database.quads_for_pattern(iri, predicate, None, entities_graph)
        for pid in self.rewrite:
            iri = self._old_iri(pid)
            if iri is not None:
                removed += [q for q in self.database.quads_for_pattern(iri, None, None,
                                                                        entities_graph)
                            if q.predicate not in _COMPONENT_PREDICATES]
        cited = {q.object for q in removed if q.predicate == _K_EVIDENCE}
        added = set(self._new_quads())
        removed_set = set(removed) - added
        # evidence sentences nothing cites once this is done
        still = {q.object for q in added if q.predicate == _K_EVIDENCE}
        for ev in cited - still:
            citing = {q for q in self.database.quads_for_pattern(None, _K_EVIDENCE, ev)}
            if citing <= removed_set:
                removed_set |= set(self.database.quads_for_pattern(ev, None, None))
        # one SPARQL update, which Oxigraph applies whole: a reader sees the
        # graph before or after, never half of the change
        self.database.update(_sparql_update(removed_set, added - set(removed)))

    def _old_iri(self, pid: str) -> pyoxigraph.NamedNode | None:
        final = self.old_final.get(pid)
        if final is None:
            kept = self.state.entity(pid)
            final = kept[2] if kept else None
        return _iri(final) if final else None

    def _new_quads(self) -> Iterator[pyoxigraph.Quad]:
        articles = []
        for article in sorted(self.articles):
            part = self.parts.get(article)
            if part is None:
                kept = self.state.article(article)
                if kept is None:
                    continue
                part = kept[1]
                _link(part, self.state)
            articles.append(part)
        components = [self.state.component(root) for root in sorted(self.roots)]
        entities, rows = {}, {}
        for pid in sorted(self.rewrite):
            kept = self.state.entity(pid)
            if kept is not None:
                entities[pid], rows[pid] = kept[0], self.state.rows(pid)
        corpus = assemble(articles, components, entities, rows, _Finals(self.state))
        return QuadWriter(corpus).quads()


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
