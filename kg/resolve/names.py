"""Names: the keys spellings meet under, IRI slugs, and which spelling names
each person and work. Pure functions over counts of names, so that the counts
can come from any set of articles (and, one day, be kept and added to)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
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
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for name, n in names.items():
        groups[name_key(name)][name.replace("’", "'")] += n
    return {key: max(counter.items(), key=lambda kv: (kv[0].startswith("The "), kv[1],
                                                      kv[0]))[0]
            for key, counter in groups.items()}


def person_names(names: Counter[str], gaz: Gazetteer) -> dict[str, str | None]:
    """Each spelling of a person's name -> the name they go by, or None for a
    name that cannot be placed ("Hale" when the corpus has two Hales)."""
    by_key: dict[str, Counter[str]] = defaultdict(Counter)
    for name, n in names.items():
        by_key[name_key(name)][name] += n
    root_of = _person_roots(by_key, gaz)
    members: dict[str, list[str]] = defaultdict(list)
    for k, root in root_of.items():
        if root is not None:
            members[root].append(k)
    canon: dict[str, str | None] = {}
    for keys in members.values():
        canonical = _canonical_person(sum((by_key[k] for k in keys), Counter()))
        for k in keys:
            for variant in by_key[k]:
                canon[variant] = canonical
        canon.setdefault(canonical, canonical)
    for k, root in root_of.items():
        if root is None:
            for variant in by_key[k]:
                canon[variant] = None
    return canon


def _person_roots(by_key: dict[str, Counter[str]], gaz: Gazetteer) -> dict[str, str | None]:
    """Each name key -> the label of the person it names (None: nobody known)."""
    clusters = _join_partial_names(
        _full_name_clusters([k for k in by_key if len(k.split()) > 1], gaz), gaz)
    # a one-word name joins the one full name it is the first or last word of;
    # "Hale" when the corpus has two Hales is an unknown person
    by_word: dict[str, set[str]] = defaultdict(set)
    for full in clusters:
        words = full.split()
        by_word[words[0]].add(full)
        by_word[words[-1]].add(full)
    root_of: dict[str, str | None] = {}
    for k in by_key:
        if not k:
            root_of[k] = None  # no letters or digits at all
        elif k in clusters:
            root_of[k] = clusters[k]
        else:
            hits = {clusters[full] for full in by_word.get(k, ())}
            root_of[k] = hits.pop() if len(hits) == 1 else None if hits else k
    return root_of


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
