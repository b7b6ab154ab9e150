"""What a store keeps of its resolution, so that adding an article costs that article.

Beside its Oxigraph database a store keeps, in ``parts.sqlite``, the parts its
graph was merged from (``kg.resolve.parts``): one per article, one per unit of
coupled nominees (and each article's records, from which the categories are
settled: ``kg.resolve.settle``, ``kg.storerecords``), one row per (entity, part)
with what that part says of the entity, each entity's merged form and final
id, and the corpus's name counts and maps, with indexes from spellings,
nominees, @handles and entities to the parts that use them. ``write_full``
makes it on a full build; ``kg.storeupdate`` updates it, and the database,
when articles are added.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from contextlib import closing
from pathlib import Path

from kg.gazetteer import Gazetteer
from kg.records import ArticleFacts
from kg.resolve.entities import id_base
from kg.resolve.model import ArticleInfo, Corpus, Entity
from kg.resolve.names import name_key
from kg.resolve.parts import (
    EntityRow,
    NameMaps,
    Part,
    article_names,
    articles_part,
    component_part,
    component_parts,
    folded_rows,
    keeping_owned,
    kept_names,
    link_handles,
    linking_entities,
    merge_parts,
    name_counts,
    noting_articles,
    only_owned,
    part_rows,
    spellable,
    spelled_names,
    spelling,
)
from kg.resolve.settle import ArticleRecords, article_records
from kg.resolve.spill import SpilledLinks

STATE_FILE = "parts.sqlite"
# written before the database and the state change, removed once both have:
# found by a later build, it means the two may disagree (a full rebuild follows)
DIRTY_MARK = ".parts-dirty"
# an entity with this many rows keeps its fold (reading 250 rows takes about
# 5 ms; a shared award's thousands, a tenth of a second). At 10,000 synthetic
# articles, 51 entities hold 78,000 of the 418,000 rows: folding them costs a
# full build about 2 s
FOLD_MIN = 256
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB);
-- owned: the article's nominations, credits and characters alone (what the
-- component parts read, from thousands of articles at a time in an update)
CREATE TABLE article (id TEXT PRIMARY KEY, facts TEXT, part BLOB, names BLOB, owners BLOB,
                      digest TEXT, mains BLOB, owned BLOB);
-- every add reads every article's id and digest: from this index, not from the
-- rows, whose parts (after which the digest comes) fill most of the file
CREATE INDEX article_digest ON article (id, digest);
-- each article's records of its nominations, credits and characters
-- (``kg.resolve.settle``), and the categories its nominations settled, by
-- place: an update settles again only the nominations it reaches
-- (``kg.storerecords``), reading the records of the articles their nominees
-- and costars appear in (``owner``, ``costar``)
CREATE TABLE record (article TEXT PRIMARY KEY, data BLOB);
CREATE TABLE chosen (article TEXT PRIMARY KEY, data BLOB);
CREATE TABLE costar (pid TEXT, article TEXT);
CREATE INDEX costar_pid ON costar (pid);
CREATE INDEX costar_article ON costar (article);
-- a unit's part: a member and its costars' nominations, credits and characters
CREATE TABLE unit (root TEXT PRIMARY KEY, part BLOB);
-- digest: of the member's own nominations and credits in its unit, so an
-- update writes again only the members whose facts came out otherwise
CREATE TABLE member (pid TEXT PRIMARY KEY, unit TEXT, digest TEXT);
CREATE INDEX member_unit ON member (unit);
CREATE TABLE owner (pid TEXT, article TEXT);
CREATE INDEX owner_pid ON owner (pid);
CREATE INDEX owner_article ON owner (article);
CREATE TABLE name_use (kind TEXT, name TEXT, article TEXT);
CREATE INDEX name_use_name ON name_use (kind, name);
CREATE INDEX name_use_article ON name_use (article);
CREATE TABLE row (pid TEXT, source TEXT, data BLOB);
CREATE INDEX row_pid ON row (pid);
CREATE INDEX row_source ON row (source);
CREATE TABLE entity (pid TEXT PRIMARY KEY, slug TEXT, first BLOB, final TEXT, real INT,
                     data BLOB);
CREATE INDEX entity_slug ON entity (slug);
-- a few rows that merge as an entity's many do (``folded_rows``), kept for an
-- entity of at least FOLD_MIN rows: an add that only adds rows merges it from
-- them and those, not from its row in every article
CREATE TABLE fold (pid TEXT PRIMARY KEY, rows BLOB);
CREATE TABLE handle (key TEXT, article TEXT);
CREATE INDEX handle_key ON handle (key);
CREATE INDEX handle_article ON handle (article);
CREATE TABLE target (pid TEXT, article TEXT);
CREATE INDEX target_pid ON target (pid);
CREATE INDEX target_article ON target (article);
CREATE TABLE spelled (key TEXT, pid TEXT, first BLOB);
CREATE INDEX spelled_key ON spelled (key);
CREATE INDEX spelled_pid ON spelled (pid);
CREATE TABLE ref (target TEXT, pid TEXT);
CREATE INDEX ref_target ON ref (target);
CREATE INDEX ref_pid ON ref (pid);
"""


def _dump(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def article_source(article: str) -> str:
    return "a\x1f" + article


def component_source(root: str) -> str:
    return "c\x1f" + root


class StateError(Exception):
    """The kept state cannot be used: the store is rebuilt in full."""


# --- names ----------------------------------------------------------------------------------

def facts_digest(f: ArticleFacts) -> str:
    """A digest of an article's facts that is the same for equal facts (sets
    are put in order first): an article extracted again, whose facts came out
    the same, needs no update. It digests the records' text form, not their
    pickle: a pickle also records which equal values are one object, and facts
    read back with a ``SharedReader`` share more of them than fresh ones."""
    canonical = dataclasses.replace(f, aliases={k: sorted(v) for k, v in sorted(
        f.aliases.items())})
    return hashlib.sha256(repr(canonical).encode("utf-8")).hexdigest()


# --- the kept state ---------------------------------------------------------------------------

def is_real(rows: list[EntityRow]) -> bool:
    """Whether an entity is more than an account known only by its handle."""
    return not all(r.bare for r in rows)


def entity_refs(ent: Entity, rows: list[EntityRow]) -> set[str]:
    """The entities ``ent``'s own triples name (to write again when one's id changes)."""
    out = {ent.attrs[a] for a in ("award", "owner") if a in ent.attrs}
    for r in rows:
        out |= {net for net, _, _ in r.airs}
        out |= {x for _, _, host, venue, _ in r.votes for x in (host, venue) if x}
    return out


class _StandIns:
    """Which rows put stand in for a lost row in an entity's ``fold``: when
    merging the fold (made from rows that included the lost one) with the
    rows put gives what the rows without it and with those put give. So when
    a row put says all that the lost row said, at another rank, and the fold
    keeps nothing of the lost row's own: no network or ceremony votes (which
    the fold keeps one by one), no account owner, and no rank of a fold row
    (``folded_rows``: so it was neither the earliest row, which gives the
    name, nor the row an attribute came from). Its aliases, note,
    organisation kind, bare flag and attributes, which the fold keeps
    merged, the row put brings again.

    A unit made again with a member from an article whose id sorts before
    the unit's others puts its rows of an award or a ceremony back at that
    article's rank: without this, merging the award again read its row of
    every article (19,267 rows, 1.4 s of an add into 100,000 articles). Rows
    put are looked up by their text without the rank (a row's repr: equal
    rows whose sets list their items otherwise are missed, and the entity's
    rows are then read, as before), then compared."""

    def __init__(self, put: list[EntityRow], fold: list[EntityRow]) -> None:
        self._fold_ranks = {row.rank for row in fold}
        self._by_text = {_text_without_rank(row): row for row in put}

    def cover(self, lost: EntityRow) -> bool:
        if lost.airs or lost.votes or lost.owner is not None or lost.rank in self._fold_ranks:
            return False
        row = self._by_text.get(_text_without_rank(lost))
        return row is not None and dataclasses.replace(row, rank=lost.rank) == lost


def _text_without_rank(row: EntityRow) -> str:
    return repr(dataclasses.replace(row, rank=()))


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


class RowChanges:
    """The rows dropped and put per entity since the state was opened, so an
    update merges again only the entities whose rows changed. An update
    makes whole units again, and a category or a ceremony has a row in
    nearly every one: most of them come out as they were, and merging such
    an entity again means reading its row from every article."""

    def __init__(self) -> None:
        self._before: dict[str, list[bytes]] = defaultdict(list)  # dropped, kept before
        self._after: dict[str, list[bytes]] = defaultdict(list)  # put since
        self._moves: Counter[str] = Counter()  # rows put and dropped, per entity

    def put(self, pid: str, data: bytes) -> None:
        self._after[pid].append(data)
        self._moves[pid] += 1

    def drop(self, pid: str, data: bytes) -> None:
        self._moves[pid] += 1
        after = self._after.get(pid)
        if after and data in after:  # put earlier in this update
            after.remove(data)
        else:
            self._before[pid].append(data)

    def added(self, pid: str, fold: list[EntityRow] | None = None) -> list[EntityRow] | None:
        """The rows put for the entity since the state was opened, in the
        order they were put, less those equal to rows it lost (a unit made
        again drops its rows and puts them again); None if it lost a row
        that no row put equals. Matched by their bytes, then by value (equal
        rows may pickle otherwise, see ``changed``), bucketed by rank:
        units made again can drop and put back thousands of a category's
        rows. With the entity's ``fold`` (its rows as they were, folded), a
        lost row a put row stands in for there (``_StandIns``) is no loss."""
        before, after = self._before.get(pid, []), self._after.get(pid, [])
        unmatched = Counter(after)
        lost = []
        for data in before:
            if unmatched[data]:
                unmatched[data] -= 1
            else:
                lost.append(data)
        put: list[EntityRow | None] = []
        for data in after:  # in put order, one of each equal pair left out
            if unmatched[data]:
                unmatched[data] -= 1
                put.append(pickle.loads(data))
        stand_ins: _StandIns | None = None  # made when first needed
        by_rank: dict[tuple, list[int]] = defaultdict(list)
        for i, row in enumerate(put):
            by_rank[row.rank].append(i)
        for data in lost:
            row = pickle.loads(data)
            same = by_rank.get(row.rank, [])
            match = next((i for i in same if put[i] == row), None)
            if match is None:
                if fold is None:
                    return None
                if stand_ins is None:
                    stand_ins = _StandIns([r for r in put if r is not None], fold)
                if not stand_ins.cover(row):
                    return None
                continue
            same.remove(match)
            put[match] = None
        return [row for row in put if row is not None]

    def moves(self, pid: str) -> int:
        """How many of the entity's rows were put or dropped so far."""
        return self._moves[pid]

    def moved(self) -> set[str]:
        """The entities some of whose rows were put or dropped."""
        return set(self._moves)

    def changed(self, pid: str) -> bool:
        """Whether the entity's rows differ from those it had (by value: equal
        rows made again may pickle otherwise, as shared objects do)."""
        before, after = self._before.get(pid, []), self._after.get(pid, [])
        return len(before) != len(after) or self.added(pid) != []


class PartsState:
    """The sqlite file of a store's parts (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None)
        # what an update dropped and put, per entity (None: not noted, as
        # in a full build, which would hold every row)
        self.changes: RowChanges | None = None

    def close(self) -> None:
        self.db.close()

    def meta(self, key: str) -> object:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise StateError(f"no {key} kept")
        return pickle.loads(row[0])

    def set_meta(self, key: str, value: object) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, _dump(value)))

    def digests(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, digest FROM article"))

    def article_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM article")]

    def article(self, article: str) -> tuple[Path, Part, tuple, set[str]] | None:
        row = self.db.execute("SELECT facts, part, names, owners FROM article WHERE id = ?",
                              (article,)).fetchone()
        if row is None:
            return None
        return Path(row[0]), pickle.loads(row[1]), pickle.loads(row[2]), pickle.loads(row[3])

    def main_ceremonies(self, article: str) -> dict[str, str]:
        """The article's main ceremony, if it has one (article id -> ceremony),
        without reading its whole part."""
        return self._article_value(article, "mains")

    def owned_facts(self, article: str) -> ArticleFacts:
        """The article's nominations, credits and characters (``only_owned``),
        without reading its facts file."""
        return self._article_value(article, "owned")

    def _article_value(self, article: str, column: str) -> object:
        """One pickled column of an article's row (``column`` is one of the
        schema's names, never text from outside)."""
        row = self.db.execute(f"SELECT {column} FROM article WHERE id = ?",
                              (article,)).fetchone()
        if row is None:
            raise StateError(f"no article {article!r} kept")
        return pickle.loads(row[0])

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

    def put_article(self, f: ArticleFacts, facts_path: str, part: Part, maps: NameMaps,
                    gaz: Gazetteer) -> None:
        """Keep one article's part, names, records (with their owners and
        costars), links and handles."""
        db = self.db
        records = article_records(f, linking_entities(maps, gaz))
        owners = records.owners()
        names = article_names(f)
        db.execute("INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (f.article_id, facts_path, _dump(part), _dump(names), _dump(owners),
                    facts_digest(f), _dump(part.main_ceremonies),
                    _dump(only_owned(dataclasses.replace(f)))))
        db.executemany("INSERT INTO owner VALUES (?, ?)", [(o, f.article_id) for o in owners])
        db.execute("INSERT INTO record VALUES (?, ?)", (f.article_id, _dump(records)))
        db.executemany("INSERT INTO costar VALUES (?, ?)",
                       [(c, f.article_id) for c in sorted(
                           {r.costar for r in records.nominations if r.costar is not None})])
        works, people, authors = names
        db.executemany("INSERT INTO name_use VALUES (?, ?, ?)",
                       [("work", name_key(w), f.article_id) for w in works]
                       + [("person", n, f.article_id) for n in people]
                       + [("author", a, f.article_id) for a, _ in authors])
        db.executemany("INSERT INTO handle VALUES (?, ?)",
                       [(k, f.article_id) for k in _handle_deps(part)])
        self.put_rows(article_source(f.article_id), part_rows(part))

    def forget_article(self, article: str) -> set[str]:
        """Drop what is kept of an article; returns the entities its rows named."""
        named = self.forget_rows(article_source(article)) | self.forget_rows(
            handle_source(article))
        for table, column in (("article", "id"), ("owner", "article"),
                              ("name_use", "article"), ("handle", "article"),
                              ("target", "article"), ("record", "article"),
                              ("chosen", "article"), ("costar", "article")):
            self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (article,))  # noqa: S608
        return named

    def put_rows(self, source: str, rows: dict[str, EntityRow]) -> None:
        dumped = [(pid, source, _dump(r)) for pid, r in rows.items()]
        if self.changes is not None:
            for pid, _, data in dumped:
                self.changes.put(pid, data)
        self.db.executemany("INSERT INTO row VALUES (?, ?, ?)", dumped)

    def forget_rows(self, source: str) -> set[str]:
        named = set()
        data_if_noted = "data" if self.changes is not None else "NULL"
        for pid, data in self.db.execute(
                f"SELECT pid, {data_if_noted} FROM row WHERE source = ?",  # noqa: S608
                (source,)):
            if self.changes is not None:
                self.changes.drop(pid, data)
            named.add(pid)
        self.db.execute("DELETE FROM row WHERE source = ?", (source,))
        return named

    def records(self, article: str) -> ArticleRecords:
        """The article's records (every kept article has a row, empty or not)."""
        row = self.db.execute("SELECT data FROM record WHERE article = ?",
                              (article,)).fetchone()
        if row is None:
            raise StateError(f"no records of {article!r} kept")
        return pickle.loads(row[0])

    def chosen(self, article: str) -> dict[int, str | None]:
        """The categories the article's nominations settled, by place."""
        row = self.db.execute("SELECT data FROM chosen WHERE article = ?",
                              (article,)).fetchone()
        return {} if row is None else pickle.loads(row[0])

    def put_chosen(self, article: str, chosen: dict[int, str | None]) -> None:
        self.db.execute("INSERT OR REPLACE INTO chosen VALUES (?, ?)", (article, _dump(chosen)))

    def articles_owned_by(self, pid: str) -> list[str]:
        """The articles with a fact ``pid`` owns, in order."""
        return sorted(r[0] for r in self.db.execute(
            "SELECT article FROM owner WHERE pid = ?", (pid,)))

    def articles_naming_costar(self, pid: str) -> list[str]:
        """The articles with a nomination naming ``pid`` as its costar, in order."""
        return sorted(r[0] for r in self.db.execute(
            "SELECT article FROM costar WHERE pid = ?", (pid,)))

    def put_unit(self, root: str, keys: set[str], part: Part) -> dict[str, str]:
        """Keep a unit's part; returns each member's digest (``member_digests``)."""
        digests = member_digests(part, keys)
        self.db.execute("INSERT OR REPLACE INTO unit VALUES (?, ?)", (root, _dump(part)))
        self.db.executemany("INSERT OR REPLACE INTO member VALUES (?, ?, ?)",
                            [(k, root, digests[k]) for k in sorted(keys)])
        self.put_rows(component_source(root), part_rows(part))
        return digests

    def forget_unit(self, root: str) -> tuple[dict[str, str], set[str]]:
        """Drop a unit; returns its members (with their digests) and the
        entities its rows named."""
        found = dict(self.db.execute("SELECT pid, digest FROM member WHERE unit = ?", (root,)))
        self.db.execute("DELETE FROM unit WHERE root = ?", (root,))
        self.db.execute("DELETE FROM member WHERE unit = ?", (root,))
        return found, self.forget_rows(component_source(root))

    def unit_of(self, pid: str) -> str | None:
        row = self.db.execute("SELECT unit FROM member WHERE pid = ?", (pid,)).fetchone()
        return row[0] if row else None

    def unit(self, root: str) -> Part:
        row = self.db.execute("SELECT part FROM unit WHERE root = ?", (root,)).fetchone()
        if row is None:
            raise StateError(f"no unit {root!r} kept")
        return pickle.loads(row[0])

    def put_targets(self, article: str, pids: Iterable[str]) -> None:
        self.db.execute("DELETE FROM target WHERE article = ?", (article,))
        self.db.executemany("INSERT INTO target VALUES (?, ?)", [(p, article) for p in pids])

    def put_entity(self, pid: str, ent: Entity, first: tuple, final: str, real: bool,
                   refs: Collection[str]) -> None:
        """Keep a merged entity: ``real`` and ``refs`` from its rows (``is_real``,
        ``entity_refs``)."""
        db = self.db
        db.execute("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, ?)",
                   (pid, id_base(ent), _dump(first), final, int(real),
                    _dump(ent)))
        db.execute("DELETE FROM spelled WHERE pid = ?", (pid,))
        if spellable(ent, first):
            db.execute("INSERT INTO spelled VALUES (?, ?, ?)",
                       (spelling(ent.name), pid, _dump(first)))
        db.execute("DELETE FROM ref WHERE pid = ?", (pid,))
        db.executemany("INSERT INTO ref VALUES (?, ?)", [(t, pid) for t in refs])

    def crowded(self, least: int) -> list[str]:
        """The entities with at least ``least`` rows."""
        return [r[0] for r in self.db.execute(
            "SELECT pid FROM row GROUP BY pid HAVING count(*) >= ? ORDER BY pid", (least,))]

    def fold(self, pid: str) -> list[EntityRow] | None:
        row = self.db.execute("SELECT rows FROM fold WHERE pid = ?", (pid,)).fetchone()
        return None if row is None else pickle.loads(row[0])

    def put_fold(self, pid: str, rows: list[EntityRow]) -> None:
        """Keep the fold of an entity's rows as they are now (``folded_rows``)."""
        self.db.execute("INSERT OR REPLACE INTO fold VALUES (?, ?)",
                        (pid, _dump(folded_rows(pid, rows))))

    def forget_fold(self, pid: str) -> None:
        self.db.execute("DELETE FROM fold WHERE pid = ?", (pid,))

    def forget_entity(self, pid: str) -> None:
        for table in ("entity", "spelled", "ref", "fold"):
            self.db.execute(f"DELETE FROM {table} WHERE pid = ?", (pid,))  # noqa: S608


def member_digests(part: Part, keys: Collection[str]) -> dict[str, str]:
    """A digest per member of a component part of its own nominations and
    credits (provisional ids): an update writes again the members whose digest
    changed, not every member of a recomputed component. Their quads name
    nothing else of the part, but they do name other entities' final ids:
    when one of those changes, ``kg.storeupdate`` writes every component that
    names it again whole."""
    own: dict[str, list] = defaultdict(list)
    for n in part.corpus.nominations:
        own[n.nominee].append(n)
    for cr in part.corpus.credits:
        own[cr.person].append(cr)
    return {k: hashlib.sha256(repr(own.get(k, [])).encode("utf-8")).hexdigest()[:16]
            for k in keys}


def handle_source(article: str) -> str:
    return "h\x1f" + article


def link_article(part: Part, state: PartsState) -> tuple[dict[str, EntityRow], set[str]]:
    """Link an article's @handles by the kept entities (see ``link_handles``)."""
    return link_handles(part, state.real_entity, state.spelled)


# --- a full build ------------------------------------------------------------------------------

def write_full(state_path: Path, facts: Collection[ArticleFacts], paths: dict[str, str],
               gaz: Gazetteer, code: str, spill: Path | None = None) -> Corpus:
    """Resolve the whole corpus, keep its parts in a new state file at
    ``state_path``, and return the merged corpus (``resolve``'s), its
    per-article links kept in files in a folder inside ``spill``
    (``Corpus.spilled``: close it once the graph is written).

    ``facts`` is read three times, an article at a time, in article order (a
    store's kept facts files): to count the names (keeping a shared copy of
    each article's nominations, credits and characters, for the component
    parts: ``keeping_owned``), to link each article and to make and keep each
    article's own part. So the facts of every article are never held at once.
    The corpus is merged from one part of all articles and one of all facts,
    as a plain build does (``resolve_whole``, in the same order: the
    components first, then what they read goes, then the articles); the
    parts an update works with (one per article, one per unit of a
    component), which merge the same, are made and kept one at a time, not
    held: each unit's part before the components' one part is made, so that
    neither adds to the other's memory."""
    infos: list[ArticleInfo] = []
    kept: list[ArticleFacts] = []  # of each article, what the component parts read
    works, people, authors = name_counts(keeping_owned(noting_articles(facts, infos), kept))
    work_book, people_book, personal = kept_names(works, people, authors, gaz)
    maps = NameMaps(work_book.canon, people_book.canon)
    del works, people
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(state_path) + suffix).unlink(missing_ok=True)
    links = SpilledLinks(spill)
    try:
        state = PartsState(state_path)
        with closing(state):
            state.db.executescript(_SCHEMA)
            state.db.execute("BEGIN")
            for key, value in (("code", code), ("work_names", work_book),
                               ("people_names", people_book), ("authors", authors),
                               ("personal", personal)):
                state.set_meta(key, value)
            # the components first, while no other part is held: their units kept
            # (a unit's part at a time), then their one part; then what they read goes
            put_components(state, kept, maps, gaz)
            components = component_part(kept, None, maps, gaz)
            kept.clear()
            whole = articles_part(facts, maps, gaz, links, infos)
            merged = merge_parts([whole], [components])
            del whole, components
            real = {pid for pid, rows in merged.rows.items() if is_real(rows)}
            spelled = spelled_names(merged.entities, merged.first)
            for f in facts:
                part = articles_part([f], maps, gaz)
                state.put_article(f, paths[f.article_id], part, maps, gaz)
                bare, targets = link_handles(
                    part, lambda pid: merged.entities[pid] if pid in real else None,
                    spelled.get)
                state.put_rows(handle_source(f.article_id), bare)
                state.put_targets(f.article_id, targets)
            for pid, ent in merged.entities.items():
                rows = merged.rows[pid]
                state.put_entity(pid, ent, merged.first[pid], merged.ids[pid], is_real(rows),
                                 entity_refs(ent, rows))
            # folded from the rows as kept (an article's each), an entity at a time
            for pid in state.crowded(FOLD_MIN):
                state.put_fold(pid, state.rows(pid))
            state.db.execute("COMMIT")
    except BaseException:
        links.close()
        raise
    return merged.corpus


def put_components(state: PartsState, kept: list[ArticleFacts], maps: NameMaps,
                   gaz: Gazetteer) -> None:
    """Keep the categories every component settled, per article, and each
    of its units' parts (``kept``: every article's nominations, credits and
    characters); ``put_article`` keeps each article's records."""
    chosen: dict[str, dict[int, str | None]] = defaultdict(dict)
    for _, _, settled, made in component_parts(kept, None, maps, gaz):
        for (article, pos), category in settled.items():
            chosen[article][pos] = category
        for unit, keys, part in made:
            state.put_unit(unit, keys, part)
    for article in sorted(chosen):
        state.put_chosen(article, dict(sorted(chosen[article].items())))
