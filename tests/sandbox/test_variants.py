"""The world family: seeds x opt-in variants (issue 13 item 8). The default world is unchanged by their existence."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sandbox.helpers import Generated
from tracer.cli.app import app
from tracer.labels.importer import parse_file
from tracer.sandbox.generator import VARIANTS, generate_world
from tracer.sandbox.generator.context import STETH_KEY
from tracer.sandbox.generator.variants import parse_variants
from tracer.sandbox.generator.vocab import label_file_name, write_label_file
from tracer.sandbox.world import ETHEREUM

DEMO_DIGEST = "1c6e0c7e5422fb3394cdb1620c63db9b80d56da9fc245c005d903831b4e0b5f4"  # seed 7 demo before variants existed


@pytest.fixture(scope="module")
def family() -> dict[int, Generated]:
    return {seed: generate_world(seed, "small", "all") for seed in (0, 1)}


def test_the_default_world_is_the_demo_world(generated: Generated) -> None:
    assert generated[0].digest() == DEMO_DIGEST
    assert generate_world(7, "demo", "")[0].digest() == DEMO_DIGEST
    assert generated[1].variants == () and generated[1].label_format == "csv"


def test_variant_names_are_checked() -> None:
    assert parse_variants("all") == frozenset(VARIANTS)
    assert parse_variants("waves, airdrop") == {"waves", "airdrop"}
    with pytest.raises(ValueError, match="unknown variant"):
        parse_variants("wave")


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_changes_the_world_and_keeps_the_books_balanced(variant: str) -> None:
    plain, _, _ = generate_world(3, "small")
    world, truth, _ = generate_world(3, "small", variant)
    if variant != "vocab":  # vocab changes only the label file
        assert world.digest() != plain.digest()
    assert truth.variants == (variant,)
    assert all(flow.balanced for flow in truth.flows)
    own = {a for c, a in truth.launderer if c == ETHEREUM}
    net: dict[str, int] = defaultdict(int)
    for tx in world.evm_txs:
        if tx.from_ in own:
            net[tx.from_] -= tx.fee
        for f, t, v in [(tx.from_, tx.to, tx.value)] + [(c.from_, c.to, c.value) for c in tx.internal]:
            net[f] -= v
            net[t] += v
    resting = sum(e.amount for e in truth.exits if e.chain == ETHEREUM and e.asset == "ETH" and e.address in own)
    assert sum(net[a] for a in own) == resting and all(net[a] >= 0 for a in own)


def test_truth_records_swaps_deposit_addresses_and_the_noise(family: dict[int, Generated]) -> None:
    for world, truth, _ in family.values():
        swaps = [p for p in truth.cross_chain if p.kind == "swap"]
        assert len(swaps) == 3 and all(p.from_tx == p.to_tx for p in swaps)  # stETH in three chunks
        hashes = {tx.hash for tx in world.evm_txs}
        assert all(p.from_tx in hashes for p in swaps)
        assert len(truth.deposit_addresses) >= 10
        exit_addresses = {(e.chain, e.address) for e in truth.exits if e.category == "exchange"}
        assert set(truth.deposit_addresses) <= exit_addresses
        noise = dict(truth.noise)
        assert len(noise["airdrop_txs"]) == 2 and noise["airdrop_tokens"] and noise["crowded_pools"]
        assert dict(truth.stolen).keys() == {"ETH", STETH_KEY}  # the airdropped token is not stolen


def test_waves_reach_the_collector_and_its_deposit_address_twice(family: dict[int, Generated]) -> None:
    for world, truth, _ in family.values():
        collector_exits = [e for e in truth.exits if e.status == "cashed_out" and e.address in
                           {a for c, a in truth.deposit_addresses} and sum(
                               1 for x in truth.exits if x.address == e.address) == 2]
        assert collector_exits, "one deposit address gets two waves"
        receipts = [tx for tx in world.evm_txs if tx.to == collector_exits[0].address]
        assert len({tx.block for tx in receipts}) >= 4  # two waves, each with another customer's deposit


@pytest.mark.parametrize("seed", [0, 1])
def test_label_vocabularies_read_back_to_the_truth_categories(seed: int, tmp_path: Path) -> None:
    _, truth, rows = generate_world(seed, "small", "vocab")
    path = write_label_file(rows, truth.label_format, tmp_path / label_file_name(truth.label_format))
    text = path.read_text()
    parsed, _ = parse_file(path)
    got = {(lab.chain.value, lab.address): lab.category.value for lab in parsed.labels}
    expected = {(r.chain, r.address): r.category for r in rows}
    if truth.label_format == "tagpack":
        assert "defi_bridge" in text and "mixing_service" in text and "perpetrator" in text
        expected = {k: v for k, v in expected.items() if v != "issuer"}  # DW-VA has no issuer concept
    else:
        assert "Cross-chain bridge" in text and "Tumbler" in text and "Swapper Nine" in text
    assert {k: got[k] for k in expected} == expected
    assert "instant exchange" in text and dict(parsed.unrecognised) == {}


def test_cli_rejects_an_unknown_variant() -> None:
    result = CliRunner().invoke(app, ["sandbox", "serve", "--variant", "nope"])
    assert result.exit_code == 2 and "unknown variant" in result.output
