"""Names: the keys spellings meet under, IRI slugs, and which spelling names
each person and work, from counts of names, so that the counts can come from
any set of articles. A store keeps them (``WorkNames``, ``PeopleNames``) and
updates them by the names an add brings and takes away, at a cost that grows
with those names, not with the store."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

from kg.gazetteer import Gazetteer, fold
from kg.resolve.unionfind import UnionFind

_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def slugify(text: str, limit: int = 80) -> str:
    """A readable, IRI-safe slug of at most ``limit`` characters; falls back
    to a hash for names with no letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return slug[:limit] or "x" + hashlib.sha1(text.encode()).hexdigest()[:10]


@lru_cache(maxsize=1 << 16)  # the same names recur in every article
def name_key(text: str) -> str:
    """Key under which spellings of one name meet: case, accents ("Zoé" and
    "Zoe": outlets differ in whether they keep them), apostrophes, punctuation
    and a leading 'The' do not matter."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", fold(text))
                    if not unicodedata.combining(c))
    key = _PUNCTUATION.sub("", plain.replace("'", ""))
    key = _SPACES.sub(" ", key).strip()
    return key[4:] if key.startswith("the ") else key


def work_names(names: Counter[str]) -> dict[str, str]:
    """Name key -> the spelling a work goes by: the fullest form ("The Marram
    Grass" even where the text says "Marram Grass"), then the most frequent."""
    works = WorkNames()
    works.update(names)
    return works.canon


def person_names(names: Counter[str], gaz: Gazetteer) -> dict[str, str | None]:
    """Each spelling of a person's name -> the name they go by, or None for a
    name that cannot be placed ("Hale" when the corpus has two Hales)."""
    people = PeopleNames()
    people.update(names, gaz)
    return people.canon


def _adjust(counter: dict[str, int], name: str, n: int) -> None:
    """Add ``n`` to a count, dropping it at zero (kept counts stay positive)."""
    left = counter.get(name, 0) + n
    if left > 0:
        counter[name] = left
    else:
        del counter[name]


class WorkNames:
    """``work_names`` kept, so that a store's add updates it by the names its
    articles added and removed, in time that does not grow with the store:
    each name key's spellings, counted, and the spelling it goes by."""

    def __init__(self) -> None:
        # plain dicts, not Counters: a store reads and writes them at every add,
        # and pickle rebuilds a Counter by a Python call (0.07 s at 9,000 names)
        self.spellings: dict[str, dict[str, int]] = {}
        self.canon: dict[str, str] = {}

    def update(self, delta: Mapping[str, int]) -> set[str]:
        """Add the counts in ``delta`` (negative: names gone); return the keys
        whose spelling came, went or changed."""
        touched: set[str] = set()
        for name, n in delta.items():
            if n:
                key = name_key(name)
                _adjust(self.spellings.setdefault(key, {}), name.replace("’", "'"), n)
                touched.add(key)
        changed = set()
        for key in sorted(touched):  # sorted: the same dicts in every process
            counter = self.spellings.get(key)
            before = self.canon.pop(key, None)
            if counter:
                self.canon[key] = max(counter.items(), key=lambda kv: (
                    kv[0].startswith("The "), kv[1], kv[0]))[0]
            else:
                self.spellings.pop(key, None)
            if self.canon.get(key) != before:
                changed.add(key)
        return changed


_MISSING = "\0"  # what ``PeopleNames.update`` compares an absent entry as


class PeopleNames:
    """``person_names`` kept, so that a store's add updates it by the names
    its articles added and removed, in time that grows with the names they
    reach, not with the store.

    Which person a name key belongs to depends only on the keys that share
    its last word (full names join within a surname: same length and given
    name, or the last words of a fuller name), and a one-word key on the full
    names it is the first or last word of. So a key that comes or goes
    regroups its surname's keys and the one-word keys those start or end
    with; a count that changes only re-chooses its person's name. A group is
    labelled by its least multi-word key (a lone word with no full name, by
    itself), so the labels do not depend on the order names came in."""

    def __init__(self) -> None:
        self.spellings: dict[str, dict[str, int]] = {}  # name key -> spellings counted
        # (plain dicts, as in ``WorkNames``)
        self.by_last: dict[str, set[str]] = {}  # last word -> multi-word keys
        self.by_first: dict[str, set[str]] = {}  # first word -> multi-word keys
        self.group_of: dict[str, str | None] = {}  # key -> group label (None: nobody)
        self.members: dict[str, set[str]] = {}  # group label -> keys
        self.canonical: dict[str, str] = {}  # group label -> the name the person goes by
        self.canonical_uses: Counter[str] = Counter()
        self.canon: dict[str, str | None] = {}  # spelling -> name gone by (NameMaps.people)

    def update(self, delta: Mapping[str, int], gaz: Gazetteer) -> set[str]:
        """Add the counts in ``delta`` (negative: names gone); return the
        spellings whose entry in ``canon`` came, went or changed."""
        before: dict[str, set[str]] = {}  # each changed key's spellings before
        for name, n in delta.items():
            if n:
                key = name_key(name)
                counter = self.spellings.setdefault(key, {})
                before.setdefault(key, set(counter))
                _adjust(counter, name, n)
        came_or_went = set()
        for key, spelled in before.items():
            if not self.spellings[key]:
                del self.spellings[key]
            if bool(spelled) != (key in self.spellings):
                came_or_went.add(key)
                self._index(key, key in self.spellings)
        regroup = self._regroup(came_or_went, gaz)
        rewrite = set(before) | set(regroup)
        old_labels = {self.group_of.get(k) for k in rewrite}
        for key, label in regroup.items():
            self._place(key, label)
        labels = (old_labels | {self.group_of.get(k) for k in rewrite}) - {None}
        for label in labels:
            rewrite |= self.members.get(label, set())
        return self._rewrite(rewrite, labels, before)

    def _index(self, key: str, present: bool) -> None:
        words = key.split()
        if len(words) > 1:
            for index, word in ((self.by_last, words[-1]), (self.by_first, words[0])):
                if present:
                    index.setdefault(word, set()).add(key)
                else:
                    index[word].discard(key)
                    if not index[word]:
                        del index[word]

    def _regroup(self, came_or_went: set[str], gaz: Gazetteer) -> dict[str, str | None]:
        """The new group of every key a key that came or went may move: the
        keys of its surname, and the one-word keys those start or end with."""
        groups: dict[str, str | None] = {k: None for k in came_or_went
                                         if k not in self.spellings}
        words: set[str] = set()
        surnames: set[str] = set()
        for key in came_or_went:
            split = key.split()
            if len(split) > 1:  # a full name that went: the word it started with, too
                surnames.add(split[-1])
                words.add(split[0])
            else:
                words.add(key)
        for surname in sorted(surnames):  # sorted: the same dicts in every process
            block = self.by_last.get(surname, set())
            groups.update(_surname_groups(block, gaz))
            words.add(surname)
            words.update(k.split()[0] for k in block)
        for word in sorted(words):
            if word in self.spellings:
                groups[word] = self._word_group(word, groups)
        return groups

    def _word_group(self, word: str, groups: dict[str, str | None]) -> str | None:
        """A one-word key's group: that of the one full name it is the first or
        last word of; nobody when there are several (two Hales); itself when
        there is none."""
        if not word:
            return None  # no letters or digits at all
        fulls = self.by_first.get(word, set()) | self.by_last.get(word, set())
        hits = {groups[k] if k in groups else self.group_of[k] for k in fulls}
        return hits.pop() if len(hits) == 1 else None if hits else word

    def _place(self, key: str, label: str | None) -> None:
        old = self.group_of.pop(key, None)
        if old is not None:
            self.members[old].discard(key)
            if not self.members[old]:
                del self.members[old]
        if key in self.spellings:
            self.group_of[key] = label
            if label is not None:
                self.members.setdefault(label, set()).add(key)

    def _rewrite(self, keys: set[str], labels: set[str], before: dict[str, set[str]]
                 ) -> set[str]:
        """Choose the touched groups' names again and rewrite the entries of
        ``keys``' spellings and of those names; the entries that changed."""
        entries: set[str] = set()
        for key in keys:
            entries |= before.get(key, set()) | set(self.spellings.get(key, ()))
        for label in sorted(labels):  # sorted: the same dicts in every process
            old = self.canonical.pop(label, None)
            if old is not None:
                entries.add(old)
                self.canonical_uses[old] -= 1
                if not self.canonical_uses[old]:
                    del self.canonical_uses[old]
            if label in self.members:
                spelled: Counter[str] = Counter()
                for key in self.members[label]:
                    spelled.update(self.spellings[key])
                name = _canonical_person(spelled)
                self.canonical[label] = name
                self.canonical_uses[name] += 1
                entries.add(name)
        old_entries = {e: self.canon.pop(e, _MISSING) for e in entries}
        for e in sorted(entries):
            key = name_key(e)
            if e in self.spellings.get(key, ()):  # a spelling: its person's name, or None
                label = self.group_of[key]
                self.canon[e] = None if label is None else self.canonical[label]
            elif e in self.canonical_uses:  # a name only a person goes by
                self.canon[e] = e
        return {e for e, old in old_entries.items() if self.canon.get(e, _MISSING) != old}


def _surname_groups(keys: Iterable[str], gaz: Gazetteer) -> dict[str, str]:
    """Each multi-word key of one surname -> its group's label (its least key)."""
    joined = _join_partial_names(_full_name_clusters(sorted(keys), gaz), gaz)
    least: dict[str, str] = {}
    for key, label in joined.items():
        least[label] = min(least.get(label, key), key)
    return {key: least[label] for key, label in joined.items()}


def _full_name_clusters(keys: list[str], gaz: Gazetteer) -> dict[str, str]:
    """Each multi-word name key -> its cluster's label: "Robert Hale" and
    "Rob Hale" meet (same surname and length, given names of one family).
    Names are grouped by surname, length and given-name key, so the cost is
    linear in the number of names, not in their pairs."""
    clusters = UnionFind(keys)
    first_with: dict[tuple[str, int, str], str] = {}
    for k in keys:
        words = k.split()
        for given in gaz.given_name_keys(words[0]):
            other = first_with.setdefault((words[-1], len(words), given), k)
            clusters.union(other, k)
    return {k: clusters[k] for k in keys}


def _join_partial_names(clusters: dict[str, str], gaz: Gazetteer) -> dict[str, str]:
    """A name that is the last words of a fuller one joins it ("Vance Okoro"
    of "Sheila Vance Okoro": a second given name, or a double surname, that
    some outlets drop), when exactly one person's names end so. The fuller
    name must start with a known given name, so that a title or a word the
    model took into the name ("Winner Vance Okoro") is not a fuller name."""
    fuller: dict[str, set[str]] = defaultdict(set)  # trailing words -> cluster labels
    for key, label in clusters.items():
        words = key.split()
        if len(words) > 2 and gaz.is_given_name(words[0].title()):
            for i in range(1, len(words) - 1):
                fuller[" ".join(words[i:])].add(label)
    joined = UnionFind(clusters.values())
    for key, label in clusters.items():
        others = fuller.get(key, set()) - {label}
        if len(others) == 1:
            joined.union(label, others.pop())
    return {key: joined[label] for key, label in clusters.items()}


def _canonical_person(counter: Counter[str]) -> str:
    """The name a person goes by: a full name over a lone word, a capitalised
    spelling over a lower-case one, the fullest form ("Sheila Vance Okoro" over
    "Vance Okoro"), then the most frequent."""
    def score(kv: tuple[str, int]) -> tuple:
        name, n = kv
        return (len(name.split()) > 1, not name.islower(), len(name.split()), n, name)

    best = max(counter.items(), key=score)[0]
    return best.title() if best.islower() else best
