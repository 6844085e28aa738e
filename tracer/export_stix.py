"""STIX 2.1 export of a case (built with the ``stix2`` library), for sharing with MISP / OpenCTI / TAXII peers.

What the bundle holds (every object ``created_by_ref`` the producer identity and marked with the chosen TLP):

- ``identity``: the producer (laundering-tracer, ``identity_class`` "system").
- ``marking-definition``: the TLP 2.0 marking (OASIS ids, extension ``extension-definition--60a3c5c5…``).
- ``extension-definition`` ×3, defined here (STIX 2.1 has no core cryptocurrency objects):
  ``cryptocurrency-wallet`` (new SCO: ``chain``, ``address``), ``cryptocurrency-transaction`` (new SCO: ``chain``,
  ``hash``, ``index``, ``block``, ``timestamp``, ``asset``, ``amount`` as an exact decimal string, ``from_ref``,
  ``to_ref``) and ``x-tracer-flow`` (property extension on relationships: ``evidence_class`` E1–E5, ``rule``,
  ``tx_hash``, ``asset``, ``taint_amount``, ``usd``, ``hop``). The SCO names and fields follow the community
  ``cryptocurrency-wallet``/``cryptocurrency-transaction`` objects used by OpenCTI.
- ``indicator`` per address that received stolen value (pattern ``[cryptocurrency-wallet:address = '…']``) and
  ``observed-data`` per traced transfer (the transaction and its two wallets).
- ``relationship`` per traced transfer (wallet ``sent-stolen-funds-to`` wallet) and per cross-service link
  (transaction ``bridged-to`` / ``swapped-to`` / … wallet), each with ``confidence`` 0–100 and the evidence class.
- ``report`` referencing all of the above, naming the price source the USD values come from.

Identifiers are UUIDv5 of the case and the object's natural key, so exporting the same case twice gives the same
ids (peers de-duplicate on import).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import stix2
from stix2.properties import IntegerProperty, ReferenceProperty, StringProperty, TimestampProperty
from stix2.v21 import CustomObservable

TOOL_NAME = "laundering-tracer"
NAMESPACE = uuid.UUID("0b7d6c0e-5a52-4d8e-9f1c-3c1f4a6d2e71")  # this tool's STIX namespace (UUIDv5)

WALLET_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cryptocurrency-wallet')}"
TRANSACTION_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cryptocurrency-transaction')}"
FLOW_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'x-tracer-flow')}"
PRODUCER_ID = f"identity--{uuid.uuid5(NAMESPACE, TOOL_NAME)}"

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
# OASIS cti-stix-common-objects, extension-definition-specifications/tlp-2.0 (ids must be used as published).
TLP2_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_LEVELS = tuple(TLP2_IDS)

LINK_RELATIONSHIP = {"bridge": "bridged-to", "swap": "swapped-to", "mixer": "mixed-to",
                     "instant_exchange": "exchanged-to", "deposit": "deposited-to"}


@CustomObservable("cryptocurrency-wallet", [
    ("chain", StringProperty(required=True)),
    ("address", StringProperty(required=True)),
], ["chain", "address"], WALLET_EXTENSION)
class CryptocurrencyWallet:
    """An address on one chain (new SCO, see the module docstring)."""


@CustomObservable("cryptocurrency-transaction", [
    ("chain", StringProperty(required=True)),
    ("hash", StringProperty(required=True)),
    ("index", IntegerProperty()),
    ("block", IntegerProperty()),
    ("timestamp", TimestampProperty()),
    ("asset", StringProperty()),
    ("amount", StringProperty()),
    ("from_ref", ReferenceProperty(valid_types="cryptocurrency-wallet", spec_version="2.1")),
    ("to_ref", ReferenceProperty(valid_types="cryptocurrency-wallet", spec_version="2.1")),
], ["chain", "hash", "index"], TRANSACTION_EXTENSION)
class CryptocurrencyTransaction:
    """One value transfer of a transaction (new SCO, see the module docstring)."""


# stix2 builds the constructors at run time; typed as Any so the properties above are the contract.
NEW_WALLET: Any = CryptocurrencyWallet
NEW_TRANSACTION: Any = CryptocurrencyTransaction


def tlp_marking(level: str) -> stix2.MarkingDefinition:
    """The OASIS TLP 2.0 marking definition for ``level`` (clear, green, amber, amber+strict, red).

    May raise: ValueError for another level.
    """
    if level not in TLP2_IDS:
        raise ValueError(f"TLP must be one of {', '.join(TLP_LEVELS)}, got {level!r}")
    return stix2.MarkingDefinition(id=TLP2_IDS[level], created=TLP2_CREATED, name=f"TLP:{level.upper()}",
                                   extensions={TLP2_EXTENSION: {"extension_type": "property-extension",
                                                                "tlp_2_0": level}})


def build_stix_bundle(doc: Mapping[str, Any], tlp: str = "amber") -> stix2.Bundle:
    """The case export ``doc`` (tracer.export.build_export) as a STIX 2.1 bundle. May raise: ValueError (TLP)."""
    builder = _Builder(doc, tlp_marking(tlp))
    return builder.bundle()


class _Builder:
    """Collects objects with deterministic ids; one builder per bundle."""

    def __init__(self, doc: Mapping[str, Any], marking: stix2.MarkingDefinition) -> None:
        self.doc = doc
        self.case = str(doc["case"])
        self.marking = marking
        self.when = str(doc["generated_at"])
        self.common: dict[str, Any] = {"created_by_ref": PRODUCER_ID, "object_marking_refs": [marking.id],
                                       "created": self.when, "modified": self.when}
        self.wallets: dict[tuple[str, str], Any] = {}
        self.transactions: dict[tuple[str, str, int], Any] = {}
        self.content: list[Any] = []

    def _id(self, kind: str, *key: object) -> str:
        return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join([self.case, *map(str, key)]))}"

    def wallet(self, chain: str, address: str) -> Any:
        key = (chain, address)
        if key not in self.wallets:
            self.wallets[key] = NEW_WALLET(chain=chain, address=address, object_marking_refs=[self.marking.id])
        return self.wallets[key]

    def transaction(self, t: Mapping[str, Any]) -> Any:
        key = (str(t["chain"]), str(t["tx_hash"]), int(t.get("index") or 0))
        if key not in self.transactions:
            extra: dict[str, Any] = {}
            if t.get("from"):
                extra["from_ref"] = self.wallet(key[0], t["from"]).id
            if t.get("to"):
                extra["to_ref"] = self.wallet(key[0], t["to"]).id
            for name in ("block", "timestamp", "asset", "amount"):
                if t.get(name) is not None:
                    extra[name] = t[name]
            self.transactions[key] = NEW_TRANSACTION(chain=key[0], hash=key[1], index=key[2],
                                                     object_marking_refs=[self.marking.id], **extra)
        return self.transactions[key]

    def bundle(self) -> stix2.Bundle:
        self._indicators()
        self._transfers()
        self._links()
        sdo_and_sro = list(self.content)
        observables = [*self.wallets.values(), *self.transactions.values()]
        report = stix2.Report(id=self._id("report", "report"), name=f"{self.case}: traced flow of stolen funds",
                              description=self._report_text(), published=self.when, report_types=["threat-report"],
                              object_refs=[PRODUCER_ID, *(o.id for o in [*sdo_and_sro, *observables])],
                              **self.common)
        return stix2.Bundle(objects=[self._producer(), self.marking, *_extension_definitions(self.when),
                                     *observables, *sdo_and_sro, report])

    def _producer(self) -> stix2.Identity:
        return stix2.Identity(id=PRODUCER_ID, name=TOOL_NAME, identity_class="system",
                              description="Open, reproducible multi-chain tracing of stolen crypto.",
                              created="2025-01-01T00:00:00Z", modified="2025-01-01T00:00:00Z")

    def _indicators(self) -> None:
        first = min((str(t["timestamp"]) for t in self.doc["transfers"]), default=self.when)
        for a in self.doc["addresses"]:
            labels = "; ".join(f"{lab['label']} ({lab['category']}, {lab['source']})" for lab in a["labels"])
            self.content.append(stix2.Indicator(
                id=self._id("indicator", a["chain"], a["address"]), name=f"{a['chain']}:{a['address']}",
                description=f"Received value stolen in {self.case} ({a['role']}, {a['depth']} hops from the theft)"
                            + (f"; labels: {labels}" if labels else ""),
                indicator_types=["attribution" if a["role"] == "seed" else "compromised"],
                pattern=f"[cryptocurrency-wallet:address = '{_quote(a['address'])}']", pattern_type="stix",
                valid_from=first, **self.common))

    def _transfers(self) -> None:
        for t in self.doc["transfers"]:
            tx = self.transaction(t)
            refs = [tx.id, *(self.wallet(t["chain"], t[s]).id for s in ("from", "to") if t.get(s))]
            self.content.append(stix2.ObservedData(
                id=self._id("observed-data", t["chain"], t["tx_hash"], t["index"]), first_observed=t["timestamp"],
                last_observed=t["timestamp"], number_observed=1, object_refs=refs, **self.common))
            if not t.get("from") or not t.get("to"):
                continue
            self.content.append(stix2.Relationship(
                id=self._id("relationship", t["chain"], t["tx_hash"], t["index"]),
                relationship_type="sent-stolen-funds-to", source_ref=self.wallet(t["chain"], t["from"]).id,
                target_ref=self.wallet(t["chain"], t["to"]).id, confidence=_confidence(t["confidence"]),
                description=f"{t['taint_amount']} {t['asset']} of stolen value in {t['tx_hash']} "
                            f"(evidence {t['evidence']}, {t['rule']})",
                start_time=t["timestamp"],
                extensions={FLOW_EXTENSION: _flow(t, t["taint_amount"], t["asset"])}, **self.common))

    def _links(self) -> None:
        seen: set[str] = set()
        for link in self.doc["links"]:
            key = self._id("relationship", "link", link["kind"], link["from_chain"], link["from_tx"],
                           link["to_chain"], link.get("to_tx"), link.get("to_address"))
            if not link.get("to_address") or key in seen:
                continue  # the same link recorded for two origins is one flow
            seen.add(key)
            source = self.transaction({"chain": link["from_chain"], "tx_hash": link["from_tx"], "index": 0})
            kind = str(link["kind"])
            self.content.append(stix2.Relationship(
                id=key,
                relationship_type=LINK_RELATIONSHIP.get(kind, "related-to"), source_ref=source.id,
                target_ref=self.wallet(link["to_chain"], link["to_address"]).id,
                confidence=_confidence(link["confidence"]),
                description=f"{kind} via {link.get('service') or 'unknown service'}: {link['from_asset']} on "
                            f"{link['from_chain']} to {link['to_asset']} on {link['to_chain']} "
                            f"(evidence {link['evidence']}, {link['rule']})",
                extensions={FLOW_EXTENSION: _flow({**link, "tx_hash": link["from_tx"]}, None, link["to_asset"])},
                **self.common))

    def _report_text(self) -> str:
        summary = self.doc["summary"]
        price = self.doc["meta"].get("price_source") or {}
        stolen = ", ".join(f"{s['amount']} {s['asset']}" + (f" (${s['usd']})" if s.get("usd") else "")
                           for s in summary["stolen"])
        where = "; ".join(f"{r['key']} {r['amount']} {r['asset']}" for r in summary["by_status"])
        return (f"Case {self.case}: stolen {stolen}. Where it is: {where}. USD at the theft day's close from "
                f"{price.get('source', 'unpriced')} (version {price.get('version', '-')}). Evidence classes: E1 "
                f"on-chain fact … E5 speculative (tracer methodology). Produced by {TOOL_NAME} "
                f"{self.doc['meta'].get('tool_version', '')}.")


def _flow(item: Mapping[str, Any], amount: str | None, asset: str | None) -> dict[str, Any]:
    flow: dict[str, Any] = {"extension_type": "property-extension", "evidence_class": item["evidence"],
                            "rule": item.get("rule") or "", "tx_hash": item["tx_hash"]}
    optional = {"taint_amount": amount, "asset": asset, "usd": item.get("usd"), "hop": item.get("hop")}
    return flow | {name: value for name, value in optional.items() if value is not None}


def _confidence(value: Any) -> int:
    """Tracer confidence (0–1) as STIX confidence (0–100)."""
    return max(0, min(100, round(float(value) * 100)))


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _extension_definitions(when: str) -> Iterable[stix2.ExtensionDefinition]:
    docs = "https://github.com/laundering-tracer (tracer/export_stix.py)"
    for ext_id, name, kind, text in (
        (WALLET_EXTENSION, "cryptocurrency-wallet", "new-sco", "A cryptocurrency address: chain, address."),
        (TRANSACTION_EXTENSION, "cryptocurrency-transaction", "new-sco",
         "One transfer of a transaction: chain, hash, index, block, timestamp, asset, amount (exact decimal "
         "string, whole units), from_ref, to_ref."),
        (FLOW_EXTENSION, "x-tracer-flow", "property-extension",
         "A traced flow: evidence_class (E1 on-chain … E5 speculative), rule, tx_hash, asset, taint_amount "
         "(exact decimal string), usd, hop."),
    ):
        yield stix2.ExtensionDefinition(id=ext_id, created_by_ref=PRODUCER_ID, created=when, modified=when,
                                        name=name, description=text, schema=docs, version="1.0",
                                        extension_types=[kind])
