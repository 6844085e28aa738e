"""Invariants every finished trace must satisfy before its numbers are reported (issue 13 items 1 and 2).

Crossings: every transfer that carries taint onto another chain is explained by a link (bridge, instant
exchange) in the case. Conservation, per stolen origin and exactly in base units: proven endpoints (fees included) + value still pending
= stolen. Inferred value (origin ``inferred:…``) is an overlay and is left out; any other origin that was never
stolen is phantom value. A violation raises :class:`ConservationViolation` naming each origin and the difference:
a wrong number must never reach a report silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from db.records import Contribution
from tracer.errors import ConservationViolation
from tracer.model import Endpoint, Link

INFERRED = "inferred:"


def conservation_differences(stolen: Mapping[str, int], endpoints: Iterable[Endpoint],
                             pending: Mapping[str, int] | None = None) -> dict[str, int]:
    """origin -> (proven endpoints + pending − stolen), only the non-zero ones; phantom origins included."""
    held: dict[str, int] = defaultdict(int)
    for e in endpoints:
        if not e.origin.startswith(INFERRED):
            held[e.origin] += e.origin_amount
    for origin, amount in (pending or {}).items():
        if not origin.startswith(INFERRED):
            held[origin] += amount
    diffs = {origin: held.get(origin, 0) - amount for origin, amount in stolen.items()}
    diffs.update({origin: amount for origin, amount in held.items() if origin not in stolen})
    return {origin: diff for origin, diff in sorted(diffs.items()) if diff}


def check_conservation(stolen: Mapping[str, int], endpoints: Iterable[Endpoint],
                       pending: Mapping[str, int] | None = None, case: str = "") -> None:
    """Raise :class:`ConservationViolation` unless every origin balances exactly (see the module docstring)."""
    diffs = conservation_differences(stolen, endpoints, pending)
    if diffs:
        parts = [f"{origin}: {'+' if diff > 0 else ''}{diff} base units "
                 f"({'never stolen' if origin not in stolen else f'of {stolen[origin]} stolen'})"
                 for origin, diff in diffs.items()]
        where = f"case {case!r}: " if case else ""
        raise ConservationViolation(f"{where}proven endpoints + fees + pending do not equal the stolen amount: "
                                    + "; ".join(parts))


def unexplained_crossings(contributions: Iterable[Contribution], links: Iterable[Link]) -> list[str]:
    """Transfers that carry taint onto another chain than the node that allocated it, without a link whose
    ``to_tx`` is that transfer (issue 13 item 2: no node downstream of a crossing without the link explaining it)."""
    explained = {(lk.to_chain, _tx(lk.to_tx)) for lk in links if lk.to_tx}
    out: set[str] = set()
    for c in contributions:
        chain, sep, _address = c.parent.partition(":")
        if not sep or chain == c.transfer.chain.value:
            continue
        if (c.transfer.chain, _tx(c.transfer.tx_hash)) not in explained:
            out.add(f"{c.parent} -> {c.transfer.chain.value}:{c.transfer.tx_hash}")
    return sorted(out)


def check_crossings(contributions: Iterable[Contribution], links: Iterable[Link], case: str = "") -> None:
    """Raise :class:`ConservationViolation` when a crossing's payout has no link (see :func:`unexplained_crossings`)."""
    missing = unexplained_crossings(contributions, links)
    if missing:
        where = f"case {case!r}: " if case else ""
        raise ConservationViolation(f"{where}{len(missing)} crossing(s) without the link that explains them: "
                                    + "; ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))


def _tx(tx_hash: str | None) -> str:
    return (tx_hash or "").lower().removeprefix("0x")
