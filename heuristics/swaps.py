"""DEX swaps inside one transaction (docs/methodology.md §4.5).

Rule: per transaction, compute the net balance delta of ``address`` per asset from all its transfers
(native, internal traces, token logs). A swap is a transaction where exactly one asset has a negative
delta (what was sold, ``asset_in``) and exactly one other asset a positive delta at ``address`` (or at the
router's ``recipient`` for swap-and-send) (what was bought, ``asset_out``). Wrapped native tokens (WETH,
WBNB, …) count as the native coin, so a WETH ``Deposit``/``Withdrawal`` is a same-asset conversion, not a
trade (it is still reported, with the fact ``conversion=wrap``, so that taint follows the value into the other
form at rate 1), while a token -> ETH swap that unwraps inside the router still is one. This covers aggregators
(1inch, 0x, OKX DEX), multi-hop routes and liquid-staking exits (stETH/cmETH -> ETH, the first Bybit step)
without per-DEX decoders. Zero-value, failed, fake-token and poisoning legs are ignored. Legs of
different transactions are never paired: an unrelated inflow in another tx (even in the same block) is
not a swap. Evidence E2 "swaps.same_tx": the legs are deterministic on chain, only the venue is inferred.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from heuristics.base import Finding, make_evidence
from tracer.model import Asset, Chain, EvidenceClass, Transfer

RULE = "swaps.same_tx"
SWAP_CONFIDENCE = 0.95
"""Both legs are on chain in one tx; the residual doubt is that it is not a trade (e.g. a payment batch)."""

WRAPPED_NATIVE: Mapping[Chain, str] = MappingProxyType(
    {
        Chain.ETHEREUM: "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",  # WETH9
        Chain.BSC: "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c",  # WBNB
        Chain.ARBITRUM: "0x82af49447d8a07e3bd95bd0d56f35241523fbab1",  # WETH
        Chain.BASE: "0x4200000000000000000000000000000000000006",  # WETH (OP-stack predeploy)
        Chain.OPTIMISM: "0x4200000000000000000000000000000000000006",  # WETH (OP-stack predeploy)
        Chain.POLYGON: "0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270",  # WMATIC / WPOL
        Chain.AVALANCHE: "0xb31f66aa3c1e785363f0875a1b74e27b85fd66c7",  # WAVAX
    }
)
"""Wrapped-native token contract per chain (lower-case), treated as the native coin."""


@dataclass(frozen=True, slots=True)
class SwapResult(Finding):
    """``address`` sold ``amount_in`` of ``asset_in`` for ``amount_out`` of ``asset_out`` in ``tx_hash``."""

    chain: Chain
    tx_hash: str
    address: str
    recipient: str
    asset_in: Asset
    amount_in: int
    asset_out: Asset
    amount_out: int
    counterparty: str | None  # router or pool that received the sold asset
    payer: str | None  # contract that paid the bought asset
    bought_leg: Transfer  # the largest transfer of the bought asset to the recipient: where the taint goes on

    @property
    def rate(self) -> Decimal:
        """Realised rate: whole units of ``asset_out`` received per whole unit of ``asset_in`` sold."""
        return self.asset_out.to_units(self.amount_out) / self.asset_in.to_units(self.amount_in)

    def carry_taint(self, tainted_in: int) -> int:
        """Taint crossing the swap onto :attr:`bought_leg` by fraction: τ_out = τ_in / amount_in × leg (floored).

        ``tainted_in`` above ``amount_in`` (a leg of the sold asset that partly came back in the same tx) is
        capped at ``amount_in``, so the result never exceeds the bought leg.
        """
        if tainted_in < 0:
            raise ValueError(f"tainted {tainted_in} is negative")
        return min(tainted_in, self.amount_in) * self.bought_leg.amount // self.amount_in


def asset_class(asset: Asset) -> tuple[Chain, str | None]:
    """Key that merges a chain's wrapped-native token with its native coin."""
    if asset.contract is not None and asset.contract.lower() == WRAPPED_NATIVE.get(asset.chain):
        return asset.chain, None
    return asset.chain, None if asset.contract is None else asset.contract.lower()


def _prefer(a: Asset, b: Asset) -> Asset:
    """The native asset wins over its wrapped token when both land in one class."""
    return a if a.is_native else b


def detect_swap(
    address: str, tx_transfers: Sequence[Transfer], *, recipient: str | None = None
) -> SwapResult | None:
    """Return the swap ``address`` made in the transaction of ``tx_transfers``, or None.

    ``tx_transfers`` are the transfers of one transaction (legs of other transactions are ignored: the
    first transaction, in block/hash order, that shows a swap is reported). ``recipient`` names the
    swap-and-send beneficiary when the router's calldata says so; by default it is ``address``.
    """
    by_tx: dict[tuple[int, str], list[Transfer]] = defaultdict(list)
    for transfer in tx_transfers:
        if transfer.followable:
            by_tx[(transfer.block_number, transfer.tx_hash)].append(transfer)
    for key in sorted(by_tx):
        result = _swap_in_tx(address, recipient or address, by_tx[key])
        if result is not None:
            return result
    return None


def _swap_in_tx(address: str, recipient: str, legs: list[Transfer]) -> SwapResult | None:
    delta: dict[tuple[Chain, str | None], int] = defaultdict(int)
    assets: dict[tuple[Chain, str | None], Asset] = {}
    for leg in legs:
        key = asset_class(leg.asset)
        assets[key] = _prefer(leg.asset, assets[key]) if key in assets else leg.asset
        if leg.from_address == address:
            delta[key] -= leg.amount
        if leg.to_address == recipient:
            delta[key] += leg.amount
    sold = [k for k, d in delta.items() if d < 0]
    bought = [k for k, d in delta.items() if d > 0]
    if not sold and not bought:
        return _conversion(address, recipient, legs)
    if len(sold) != 1 or len(bought) != 1:
        return None  # no trade, or a multi-asset action (liquidity add/remove) this rule does not cover
    return _result(address, recipient, legs, (assets[sold[0]], -delta[sold[0]]), (assets[bought[0]], delta[bought[0]]),
                   lambda a, b: asset_class(a) == asset_class(b), None)


def _conversion(address: str, recipient: str, legs: list[Transfer]) -> SwapResult | None:
    """A wrap or unwrap (native <-> wrapped native): one form of the coin out, the other back."""
    delta: dict[str, int] = defaultdict(int)
    assets: dict[str, Asset] = {}
    for leg in legs:
        assets[leg.asset.key] = leg.asset
        if leg.from_address == address:
            delta[leg.asset.key] -= leg.amount
        if leg.to_address == recipient:
            delta[leg.asset.key] += leg.amount
    sold = [k for k, d in delta.items() if d < 0]
    bought = [k for k, d in delta.items() if d > 0]
    if len(sold) != 1 or len(bought) != 1 or asset_class(assets[sold[0]]) != asset_class(assets[bought[0]]):
        return None
    return _result(address, recipient, legs, (assets[sold[0]], -delta[sold[0]]), (assets[bought[0]], delta[bought[0]]),
                   lambda a, b: a == b, "wrap")


def _result(address: str, recipient: str, legs: list[Transfer], sold: tuple[Asset, int], bought: tuple[Asset, int],
            same: Callable[[Asset, Asset], bool], conversion: str | None) -> SwapResult:
    (asset_in, amount_in), (asset_out, amount_out) = sold, bought
    out_legs = [t for t in legs if same(t.asset, asset_in) and t.from_address == address]
    in_legs = [t for t in legs if same(t.asset, asset_out) and t.to_address == recipient]
    counterparty = max(out_legs, key=lambda t: (t.amount, t.index)).to_address
    bought_leg = max(in_legs, key=lambda t: (t.amount, t.index))
    first = legs[0]
    evidence = make_evidence(
        EvidenceClass.E2, RULE, SWAP_CONFIDENCE, tx_hash=first.tx_hash, sold=f"{amount_in} {asset_in.key}",
        bought=f"{amount_out} {asset_out.key}", counterparty=counterparty, payer=bought_leg.from_address,
        recipient=recipient if recipient != address else None, legs=len(out_legs) + len(in_legs),
        conversion=conversion,
    )
    return SwapResult(
        evidence=evidence, chain=first.chain, tx_hash=first.tx_hash, address=address, recipient=recipient,
        asset_in=asset_in, amount_in=amount_in, asset_out=asset_out, amount_out=amount_out,
        counterparty=counterparty, payer=bought_leg.from_address, bought_leg=bought_leg,
    )
