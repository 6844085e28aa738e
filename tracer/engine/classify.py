"""Stop rules: whether a node is a terminal (a labelled service, a frozen address) and with which status."""

from __future__ import annotations

from dataclasses import dataclass

from tracer.model import Category, Chain, EndpointStatus, Label, LabelLookup

STATUS_BY_CATEGORY: dict[Category, EndpointStatus] = {
    Category.EXCHANGE: EndpointStatus.CASHED_OUT,
    Category.DEPOSIT: EndpointStatus.CASHED_OUT,
    Category.OTC: EndpointStatus.CASHED_OUT,
    Category.GAMBLING: EndpointStatus.CASHED_OUT,
    Category.INSTANT_EXCHANGE: EndpointStatus.DARK,
    Category.MIXER: EndpointStatus.MIXED,
    Category.COINJOIN: EndpointStatus.MIXED,
    Category.BRIDGE: EndpointStatus.BRIDGED,
    Category.DEX: EndpointStatus.UNKNOWN,
    Category.SERVICE: EndpointStatus.UNKNOWN,
    Category.SANCTIONED: EndpointStatus.UNKNOWN,
    Category.ISSUER: EndpointStatus.FROZEN,
}
"""Terminal categories and the status value reaching them gets. Others (hacker, victim, wallet…) are followed."""

# When several labels apply, the most specific terminal wins (a bridge also labelled "sanctioned" is a bridge).
PRECEDENCE: tuple[Category, ...] = (
    Category.BRIDGE, Category.MIXER, Category.COINJOIN, Category.INSTANT_EXCHANGE, Category.OTC, Category.DEPOSIT,
    Category.EXCHANGE, Category.GAMBLING, Category.ISSUER, Category.DEX, Category.SERVICE, Category.SANCTIONED,
)
FROZEN_WORDS = ("frozen", "blacklisted", "blacklist")


@dataclass(frozen=True, slots=True)
class Terminal:
    """Why a node stops the trace."""

    category: Category
    status: EndpointStatus
    service: str
    confidence: float
    label: Label


def classify(labels: LabelLookup, chain: Chain, address: str) -> Terminal | None:
    """The terminal decision for an address, or None to keep following.

    A frozen address (issuer blacklist) is terminal FROZEN whatever else it is. An address labelled as the
    launderer's own (hacker) is followed even when it is also sanctioned: OFAC lists DPRK laundering wallets.
    """
    found = labels.labels_of(chain, address)
    if not found:
        return None
    for lab in found:
        if any(word in lab.label.lower() for word in FROZEN_WORDS):
            return Terminal(lab.category, EndpointStatus.FROZEN, lab.entity or lab.label, lab.confidence, lab)
    categories = {lab.category for lab in found}
    for category in PRECEDENCE:
        if category not in categories:
            continue
        if category is Category.SANCTIONED and Category.HACKER in categories:
            return None
        best = max((lab for lab in found if lab.category is category), key=lambda lab: lab.confidence)
        return Terminal(category, STATUS_BY_CATEGORY[category], best.entity or best.label, best.confidence, best)
    return None


def service_name(labels: LabelLookup, chain: Chain, address: str) -> str | None:
    """Entity or label text of the best label of an address (for deposit-address attribution)."""
    found = labels.labels_of(chain, address)
    if not found:
        return None
    best = max(found, key=lambda lab: lab.confidence)
    return best.entity or best.label
