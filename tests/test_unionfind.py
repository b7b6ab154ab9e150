"""kg.resolve.unionfind: the disjoint sets resolution joins names and nominees with."""

from __future__ import annotations

import random

from kg.resolve.unionfind import UnionFind


def test_sets_merge_and_name_themselves_by_a_member():
    uf = UnionFind(["a", "b", "c", "d"])
    uf.union("a", "b")
    uf.union("c", "d")
    assert uf["a"] == uf["b"] != uf["c"] == uf["d"]
    uf.union("b", "d", "e")  # "e" is new: added to the merged set
    assert len({uf[x] for x in "abcde"}) == 1 and uf["a"] in set("abcde")
    assert sorted(map(sorted, uf.to_sets())) == [["a", "b", "c", "d", "e"]]


def test_an_item_looked_up_or_unioned_alone_becomes_a_set_of_one():
    uf = UnionFind()
    assert "x" not in uf
    uf.union("x")
    assert "x" in uf and uf["x"] == "x" and uf["y"] == "y"
    assert sorted(map(sorted, uf.to_sets())) == [["x"], ["y"]]


def test_the_larger_set_names_the_merge_and_ties_go_to_the_first_given():
    uf = UnionFind()
    uf.union("big", "b1", "b2")
    uf.union("small", "big")
    assert uf["small"] == uf["big"]
    tie = UnionFind(["p", "q"])
    tie.union("q", "p")
    assert tie["p"] == "q"


def test_it_agrees_with_the_connected_components_of_random_pairs():
    rng = random.Random(5)
    for _ in range(20):
        n = rng.randint(1, 60)
        pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, n))]
        uf = UnionFind(range(n))
        for a, b in pairs:
            uf.union(a, b)
        label = list(range(n))  # the components by relabelling until nothing changes
        changed = True
        while changed:
            changed = False
            for a, b in pairs:
                low = min(label[a], label[b])
                if label[a] != low or label[b] != low:
                    label[a] = label[b] = low
                    changed = True
        for a in range(n):
            for b in range(n):
                assert (uf[a] == uf[b]) == (label[a] == label[b])
