"""Union-find with merge provenance, cannot-link constraints, explain/path and rebuild from edges."""

from __future__ import annotations

from heuristics.clustering.union_find import MergeStep, UnionFind


def step(a: str, b: str, tx: str) -> MergeStep:
    return MergeStep(a, b, "cioh", tx, 0.95)


def test_union_find_and_provenance() -> None:
    uf = UnionFind()
    assert uf.union(step("a", "b", "t1")) is None
    assert uf.union(step("c", "d", "t2")) is None
    assert uf.union(step("b", "c", "t3")) is None
    assert uf.union(step("a", "d", "t4")) is None  # already joined: no new step
    assert uf.members("a") == {"a", "b", "c", "d"} and uf.size("d") == 4 and uf.smallest("d") == "a"
    assert [s.tx_hash for s in uf.steps] == ["t1", "t2", "t3"]
    assert [s.tx_hash for s in uf.explain("c")] == ["t1", "t2", "t3"]
    path = uf.path("a", "d")
    assert path is not None and [s.tx_hash for s in path] == ["t1", "t3", "t2"]
    uf.add("z")
    assert uf.path("a", "z") is None and uf.members("z") == {"z"}
    assert uf.explain("z") == []


def test_cannot_link_refuses_and_records() -> None:
    uf = UnionFind()
    uf.cannot_link("binance_hot", "kraken_hot")
    assert uf.union(step("binance_hot", "x", "t1")) is None
    assert uf.union(step("kraken_hot", "y", "t2")) is None
    refused = uf.union(step("x", "y", "t3"))
    assert refused is not None and refused.reason == "cannot_link" and refused.step.tx_hash == "t3"
    assert uf.find("x") != uf.find("y")


def test_guard_and_rebuild_without_an_edge() -> None:
    uf = UnionFind()
    for i, (a, b) in enumerate([("a", "b"), ("b", "c"), ("c", "d")]):
        uf.union(step(a, b, f"t{i}"))
    refused = uf.union(step("d", "e", "t9"), guard=lambda ra, rb: "max_cluster_size")
    assert refused is not None and refused.reason == "max_cluster_size" and "e" not in uf.members("a")
    # undo merge t1 by rebuilding from the other edges
    rebuilt = UnionFind.from_steps(s for s in uf.steps if s.tx_hash != "t1")
    assert rebuilt.members("a") == {"a", "b"} and rebuilt.members("d") == {"c", "d"}
