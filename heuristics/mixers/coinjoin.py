"""CoinJoin detection on Bitcoin transactions (docs/methodology.md §2.3): Whirlpool, Wasabi 1/2, JoinMarket, generic.

Rules follow the public detectors:

* Whirlpool, Wasabi 1.x and the "other CoinJoins" (JoinMarket-style) shapes: nopara73/Dumplings
  ``Dumplings/Scanning/Scanner.cs`` and ``Dumplings/Constants.cs``.
* Wasabi 2.x: WalletWasabi ``SmartTransaction`` ``_isWasabi2Cj`` (>= 50 inputs, > 80% of outputs in the standard
  denomination set). The extra output-ordering check of the source is not reproduced.
* Generic: BlockSci ``isCoinjoin`` (citp/BlockSci ``src/heuristics/tx_identification.cpp``).
* Multi-denomination: WabiSabi-style rounds smaller than Wasabi 2's 50-input rule, or whose equal outputs are not
  exactly the standard set (e.g. a fork's own denominations): many inputs from many owners, and most outputs in
  groups of >= 3 equal values. Batched exchange payouts fail it (one or two inputs; distinct amounts).

The Wasabi 2 standard denominations are generated as in WalletWasabi ``StandardDenomination``: powers of 2,
powers of 3 and 2x powers of 3, and the 1-2-5 series of powers of 10, in satoshi. Assumed bounds (not copied
from source): at least 5,000 sat (the brief's "from 5000 sat") and at most 43,000 BTC (an upper bound above any
real output). Whirlpool pool sizes 100k / 1M / 5M / 50M sat; 5x5 is the classic cycle, and 6x6..8x8 "Surge
Cycles" (launched 15 May 2023: blog.samourai.is "Introducing Whirlpool Surge Cycles"; Plan B Academy Whirlpool
course: "5, 6, 7 or 8 inputs and outputs") are accepted at any height (no height gate).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from heuristics.base import Finding, make_evidence
from tracer.model import ChainTx, EvidenceClass

SAT_PER_BTC = 100_000_000
WHIRLPOOL_POOLS_SAT = frozenset({100_000, 1_000_000, 5_000_000, 50_000_000})
"""Whirlpool pool denominations in sat (0.001 / 0.01 / 0.05 / 0.5 BTC; the 0.5 pool was retired in 2023)."""
WHIRLPOOL_MIN_PARTICIPANTS = 5
WHIRLPOOL_MAX_PARTICIPANTS = 8
WASABI1_COORDINATORS = frozenset({
    "bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew",
    "bc1qa24tsgchvuxsaccp8vrnkfd85hrcpafg20kmjw",
})
"""zkSNACKs Wasabi 1 coordinator fee addresses (Dumplings ``Constants.cs``; also GraphSense tagpack
``wasabi_collector.yaml``, citing nopara73/WasabiVsSamourai ``CoinJoinIndexer.cs``)."""
WASABI1_COORDINATOR_ERA_END_BLOCK = 610_000
"""Dumplings: before this height a Wasabi 1 round is recognised by its coordinator-fee output."""
WASABI1_MIN_EQUAL = 10
WASABI1_DENOM_SAT = 10_000_000
WASABI1_DENOM_TOLERANCE_SAT = 2_000_000
"""Dumplings: the most frequent equal value is 0.1 BTC +- 0.02 BTC."""
WASABI2_MIN_INPUTS = 50
WASABI2_STD_SHARE = 0.8
STD_DENOM_MIN_SAT = 5_000
STD_DENOM_MAX_SAT = 43_000 * SAT_PER_BTC
JOINMARKET_MIN_EQUAL = 3
JOINMARKET_FEE_SLACK_SAT = 10_000
"""Dumplings "other CoinJoins": max input <= equal value + max non-equal output - 0.0001 BTC."""
DUST_VALUES_SAT = frozenset({546, 2730})
"""BlockSci excludes these dust values from the most-common-output count."""


def _std_denoms() -> frozenset[int]:
    values: set[int] = set()
    for base, factors in ((2, (1,)), (3, (1, 2)), (10, (1, 2, 5))):
        power = 1
        while power <= STD_DENOM_MAX_SAT:
            values.update(f * power for f in factors)
            power *= base
    return frozenset(v for v in values if STD_DENOM_MIN_SAT <= v <= STD_DENOM_MAX_SAT)


STD_DENOMS_SAT: frozenset[int] = _std_denoms()
"""Wasabi 2 standard denominations in sat (see module docstring for the assumed bounds)."""


class CoinJoinKind(StrEnum):
    """Which CoinJoin implementation a transaction looks like."""

    WHIRLPOOL = "whirlpool"
    WASABI1 = "wasabi1"
    WASABI2 = "wasabi2"
    JOINMARKET = "joinmarket"
    GENERIC = "generic"
    MULTIDENOM = "multidenom"


CONFIDENCE: dict[CoinJoinKind, float] = {
    CoinJoinKind.WHIRLPOOL: 0.95,  # exact pool value and shape: very specific
    CoinJoinKind.WASABI1: 0.9,
    CoinJoinKind.WASABI2: 0.9,
    CoinJoinKind.JOINMARKET: 0.7,  # equal+change shape also fits some batched payments
    CoinJoinKind.GENERIC: 0.5,
    CoinJoinKind.MULTIDENOM: 0.75,
}


@dataclass(frozen=True, slots=True)
class CoinJoinResult(Finding):
    """A detected CoinJoin: a mixing node whose equal-value outputs form the anonymity set."""

    kind: CoinJoinKind = field(kw_only=True)
    denomination: int | None = field(kw_only=True)  # the equal value (sat); None for Wasabi 2 (many)
    equal_outputs: tuple[int, ...] = field(kw_only=True)  # vout indexes of the equal / standard outputs
    mixing: bool = field(default=True, kw_only=True)


def _result(tx: ChainTx, kind: CoinJoinKind, denom: int | None, equal: list[int], why: str) -> CoinJoinResult:
    evidence = make_evidence(
        EvidenceClass.E4, f"mixers.coinjoin.{kind.value}", CONFIDENCE[kind],
        tx=tx.tx_hash, inputs=len(tx.inputs), outputs=len(tx.outputs), denomination=denom,
        equal_outputs=len(equal), reason=why, category="coinjoin",
    )
    return CoinJoinResult(evidence, kind=kind, denomination=denom, equal_outputs=tuple(equal))


def _most_common(values: list[int]) -> tuple[int, int]:
    counts = Counter(v for v in values if v not in DUST_VALUES_SAT)
    if not counts:
        return 0, 0
    value, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return value, n


def _whirlpool(tx: ChainTx, values: list[int]) -> CoinJoinResult | None:
    n = len(values)
    if not WHIRLPOOL_MIN_PARTICIPANTS <= n <= WHIRLPOOL_MAX_PARTICIPANTS or len(tx.inputs) != n:
        return None
    if len(set(values)) != 1 or values[0] not in WHIRLPOOL_POOLS_SAT:
        return None
    if len({o.address for o in tx.outputs}) != n:
        return None
    return _result(tx, CoinJoinKind.WHIRLPOOL, values[0], list(range(n)), f"{n}x{n} pool {values[0]} sat")


def _wasabi2(tx: ChainTx, values: list[int]) -> CoinJoinResult | None:
    if len(tx.inputs) < WASABI2_MIN_INPUTS or not values:
        return None
    std = [o.index for o in tx.outputs if o.amount in STD_DENOMS_SAT]
    if len(std) <= WASABI2_STD_SHARE * len(values):
        return None
    return _result(tx, CoinJoinKind.WASABI2, None, std, f"{len(std)}/{len(values)} outputs standard denominations")


def _wasabi1(tx: ChainTx, values: list[int]) -> CoinJoinResult | None:
    value, n = _most_common(values)
    equal = [o.index for o in tx.outputs if o.amount == value]
    if tx.block_number < WASABI1_COORDINATOR_ERA_END_BLOCK:
        if n > 2 and any(o.address in WASABI1_COORDINATORS for o in tx.outputs):
            return _result(tx, CoinJoinKind.WASABI1, value, equal, "coordinator fee output")
        return None
    if n >= WASABI1_MIN_EQUAL and len(tx.inputs) >= n and abs(value - WASABI1_DENOM_SAT) <= WASABI1_DENOM_TOLERANCE_SAT:
        return _result(tx, CoinJoinKind.WASABI1, value, equal, f"{n} equal outputs of ~0.1 BTC")
    return None


def _joinmarket(tx: ChainTx, values: list[int]) -> CoinJoinResult | None:
    counts = Counter(values)
    groups = [v for v, c in counts.items() if c > 1]
    if len(groups) != 1:
        return None
    value = groups[0]
    equal = [o.index for o in tx.outputs if o.amount == value]
    others = [o.amount for o in tx.outputs if o.amount != value]
    n = len(equal)
    if n < JOINMARKET_MIN_EQUAL or len(others) != n:
        return None
    if len({o.address for o in tx.outputs}) < n or len({i.address for i in tx.inputs}) < n:
        return None
    if max(i.amount for i in tx.inputs) > value + max(others) - JOINMARKET_FEE_SLACK_SAT:
        return None
    return _result(tx, CoinJoinKind.JOINMARKET, value, equal, f"{n} equal + {n} change outputs")


MULTIDENOM_MIN_INPUT_OWNERS = 10
MULTIDENOM_MIN_OUTPUTS = 10
MULTIDENOM_MIN_GROUP = 3
MULTIDENOM_MIN_SHARE = 0.6


def _multidenom(tx: ChainTx, values: list[int]) -> CoinJoinResult | None:
    """Many owners in, most outputs in equal-value groups of at least three (several denominations)."""
    owners = {i.address for i in tx.inputs if i.address}
    if len(owners) < MULTIDENOM_MIN_INPUT_OWNERS or len(values) < MULTIDENOM_MIN_OUTPUTS:
        return None
    counts = Counter(v for v in values if v not in DUST_VALUES_SAT)
    grouped = {v for v, c in counts.items() if c >= MULTIDENOM_MIN_GROUP}
    equal = [o.index for o in tx.outputs if o.amount in grouped]
    if len(grouped) < 2 or len(equal) < MULTIDENOM_MIN_SHARE * len(values):
        return None
    return _result(tx, CoinJoinKind.MULTIDENOM, None, equal,
                   f"{len(owners)} input owners, {len(equal)}/{len(values)} outputs in {len(grouped)} equal groups")


def _generic(tx: ChainTx, values: list[int]) -> CoinJoinResult | None:
    """BlockSci ``isCoinjoin``: p = (outputs + 1) // 2 participants, the top output value occurs exactly p times."""
    if len(tx.inputs) < 2 or len(values) < 3:
        return None
    p = (len(values) + 1) // 2
    if p > len(tx.inputs) or p > len({i.address for i in tx.inputs}):
        return None
    value, n = _most_common(values)
    if n != p:
        return None
    equal = [o.index for o in tx.outputs if o.amount == value]
    return _result(tx, CoinJoinKind.GENERIC, value, equal, f"BlockSci isCoinjoin, {p} participants")


def detect_coinjoin(tx: ChainTx, *, generic: bool = True) -> CoinJoinResult | None:
    """The CoinJoin implementation ``tx`` looks like (Whirlpool, Wasabi 2, Wasabi 1, JoinMarket, then the
    BlockSci generic rule when ``generic``), or None for ordinary payments, batches and consolidations."""
    if not tx.chain.is_utxo or not tx.inputs:
        return None
    values = [o.amount for o in tx.outputs]
    for check in (_whirlpool, _wasabi2, _wasabi1, _joinmarket, _multidenom):
        found = check(tx, values)
        if found is not None:
            return found
    return _generic(tx, values) if generic else None


def is_coinjoin(tx: ChainTx) -> bool:
    """True if any detector (generic included) flags ``tx``: the guard CIOH uses to skip CoinJoins."""
    return detect_coinjoin(tx) is not None
