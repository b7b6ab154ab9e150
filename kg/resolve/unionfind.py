"""Disjoint sets (union-find), for joining names, nominees and articles.

networkx's ``UnionFind`` did this job, but importing networkx took a tenth of
a second of every build and every store add (4% of adding one article to a
10,000-article store), for these forty lines. The graph page still uses
networkx.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator


class UnionFind:
    """A family of disjoint sets of hashable items. ``uf[x]`` names the set
    holding ``x`` (one of its members, stable while the set is unchanged),
    adding ``x`` alone if it is new; ``uf.union(a, b, ...)`` merges the sets of
    its items. Union by size and path compression: near-constant time each."""

    def __init__(self, items: Iterable[Hashable] = ()) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._size: dict[Hashable, int] = {}
        for x in items:
            self._parent[x] = x
            self._size[x] = 1

    def __contains__(self, x: Hashable) -> bool:
        return x in self._parent

    def __getitem__(self, x: Hashable) -> Hashable:
        parent = self._parent
        if x not in parent:
            parent[x] = x
            self._size[x] = 1
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # every item on the way now points at the root
            parent[x], x = root, parent[x]
        return root

    def union(self, *items: Hashable) -> None:
        roots = []
        for x in items:
            r = self[x]
            if r not in roots:
                roots.append(r)
        if len(roots) < 2:
            return
        # the largest set's root names the merged set (the first such, in the
        # order the items were given: the result never depends on hashing)
        root = max(roots, key=self._size.__getitem__)
        for r in roots:
            if r != root:
                self._parent[r] = root
                self._size[root] += self._size.pop(r)

    def to_sets(self) -> Iterator[set[Hashable]]:
        """The sets, each once."""
        groups: dict[Hashable, set[Hashable]] = {}
        for x in self._parent:
            groups.setdefault(self[x], set()).add(x)
        yield from groups.values()
