"""Build the bundled default label set (tracer/data/labels/default_labels.csv.gz) from ../shared/data.

Only MIT/ISC sources are bundled, each with attribution in tracer/data/labels/NOTICE.labels:
OFAC SDN addresses with entity and program (thomasgregg/crypto-sanctions-list, case repaired from
0xB10C/ofac-sanctioned-digital-currency-addresses), GraphSense TagPacks (Lazarus, Ronin, hacks, Sinbad, Blender,
Tornado Cash, Wasabi coordinator fees, mixers, exchange wallets), Etherscan label cloud (brianleect) and
Etherscan exploit/heist/exchange lists (dawsbot), Forta exploit labels, the Tornado Cash relayer registry
(tornado-cli), plus the hand-curated registry tracer/data/labels/curated.csv (each row cites its reference).
Unlicensed sources (tutela, tayvano) are NOT bulk-copied.

Usage: .venv/bin/python scripts/build_label_set.py [--data ../shared/data] [--version 2026.11.27]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tracer.labels.importer import parse_file
from tracer.labels.parsers.base import date_text
from tracer.model import Category, Chain, Label, LabelConfidence

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "tracer" / "data" / "labels"
COLUMNS = ("chain", "address", "label", "category", "source", "confidence", "entity", "program", "valid_from",
           "valid_to")
TORNADO_DELISTED = datetime(2025, 3, 21, tzinfo=UTC)  # U.S. Treasury removed Tornado Cash from the SDN list
GRAPHSENSE_PACKS = (
    "lazarus", "lazarus2", "ronin_bridge", "binance_hack", "hacks", "sinbad_io", "blender_io", "tornado_cash",
    "wasabi_collector", "mixing_fc2021", "etherscan-wordcloud-mixing_service", "etherscan-wordcloud-exchange",
    "walletexplorer", "chaininfo", "exchange-wallets-binance", "exchange-wallets-bitfinexcom", "exchange-wallets-bybit",
    "exchange-wallets-cryptocom", "exchange-wallets-deribit", "exchange-wallets-huobi", "exchange-wallets-kucoin",
    "exchange-wallets-okx", "exchange-wallets-swissborg",
)
SERVICE_CATEGORIES = {Category.EXCHANGE, Category.BRIDGE, Category.MIXER, Category.INSTANT_EXCHANGE, Category.OTC,
                      Category.HACKER, Category.SANCTIONED, Category.DEX, Category.COINJOIN, Category.GAMBLING}


def _renamed(labels: tuple[Label, ...] | list[Label], source: str) -> list[Label]:
    return [Label(lab.chain, lab.address, lab.label, lab.category, source, lab.confidence, lab.entity, lab.program,
                  lab.valid_from, lab.valid_to) for lab in labels]


def ofac(data: Path, hints: dict[str, str]) -> tuple[list[Label], Counter[str]]:
    """Current SDN addresses with entity/program; Tornado Cash entries of the 2025 list with their delisting date."""
    stats: Counter[str] = Counter()
    new, _ = parse_file(data / "ofac_entities/sanctioned-addresses_2026-08-22.json", case_hints=hints)
    old, _ = parse_file(data / "ofac_entities/sanctioned-addresses_2025-03-18_pre_tornado_delisting.json",
                        case_hints=hints)
    out = _renamed(new.labels, f"ofac-sdn@{new.file_date}")
    stats["ofac current"] = len(out)
    stats["ofac case unknown"] = new.case_unknown
    current = {(lab.chain, lab.address.lower()) for lab in new.labels}
    for label in old.labels:
        if (label.chain, label.address.lower()) in current or label.entity != "TORNADO CASH":
            continue
        out.append(Label(label.chain, label.address, f"{label.label} - delisted 2025-03-21", Category.SANCTIONED,
                         f"ofac-sdn@{old.file_date}", label.confidence, label.entity, label.program,
                         None, TORNADO_DELISTED))
        stats["ofac tornado delisted"] += 1
    covered = {(lab.chain, lab.address.lower()) for lab in out}
    for path in sorted((data / "ofac_0xB10C").glob("sanctioned_addresses_*.json")):
        parsed, _ = parse_file(path)
        for label in parsed.labels:
            if (label.chain, label.address.lower()) not in covered:
                out.append(_renamed([label], "ofac-0xb10c@2024-09-27")[0])
                stats["ofac 0xB10C only"] += 1
    return out, stats


def graphsense(data: Path) -> list[Label]:
    """Selected MIT GraphSense TagPacks (skips: samourai participants, USDT blacklist, generic ofac pack)."""
    out: list[Label] = []
    for pack in GRAPHSENSE_PACKS:
        parsed, _ = parse_file(data / f"labels/graphsense_tagpacks/{pack}.yaml", lenient=True)
        out += _renamed(parsed.labels, f"graphsense-tagpacks/{pack}@{parsed.file_date or '2026-05-12'}")
    return out


def etherscan(data: Path) -> list[Label]:
    """Service and hack labels of the Etherscan label cloud and lists (other categories are left out)."""
    out: list[Label] = []
    for path in sorted((data / "labels/brianleect_etherscan_labels").glob("*_combinedAccountLabels.json")):
        parsed, _ = parse_file(path, lenient=True)
        out += _renamed([lab for lab in parsed.labels if lab.category in SERVICE_CATEGORIES],
                        "etherscan-labels(brianleect)@2023-06-18")
    daws = data / "labels/dawsbot_eth_labels"
    for path in sorted(daws.glob("*_exploit_accounts.json")) + sorted(daws.glob("*_heist_accounts.json")) + \
            [daws / "mainnet_exchange_all.csv"]:
        parsed, _ = parse_file(path, lenient=True)
        out += _renamed(parsed.labels, "eth-labels(dawsbot)@2024-04-30")
    forta, _ = parse_file(data / "labels/forta_labelled_datasets/chain1_etherscan_malicious_labels.csv", lenient=True)
    out += _renamed([lab for lab in forta.labels if lab.category is Category.HACKER], "forta-labelled-datasets@2023-01-26")
    return out


def relayers(data: Path) -> list[Label]:
    """Tornado Cash relayer registry (on-chain registry events cached by tornado-cli; ISC)."""
    records = json.loads((data / "tornado_cash_events/relayer/register.json").read_text())
    return [Label(Chain.ETHEREUM, r["address"].lower(), f"Tornado Cash relayer {r.get('ensName') or ''}".strip(),
                  Category.SERVICE, "tornado-cli-relayer-registry@2025-08-27", LabelConfidence.LEDGER_IMMANENT / 100,
                  "Tornado Cash relayer") for r in records]


def curated() -> list[Label]:
    """The hand-curated registry (each row cites its reference)."""
    parsed, _ = parse_file(OUT_DIR / "curated.csv")
    return list(parsed.labels)


def case_hints(data: Path) -> dict[str, str]:
    """lower -> case-preserved base58 addresses from the MIT OFAC lists and TagPacks."""
    hints: dict[str, str] = {}
    sources = sorted((data / "ofac_0xB10C").glob("sanctioned_addresses_*.json"))
    sources += [data / "labels/graphsense_tagpacks/ofac.yaml", data / "labels/graphsense_tagpacks/lazarus.yaml"]
    for path in sources:
        for label in parse_file(path, lenient=True)[0].labels:
            if label.chain in (Chain.BITCOIN, Chain.TRON):
                hints[label.address.lower()] = label.address
    return hints


def write(labels: list[Label], version: str, stats: Counter[str]) -> None:
    """Write the gzip CSV (deterministic: sorted, fixed mtime) and the manifest."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = sorted({(lab.chain.value, lab.address, lab.label, lab.category.value, lab.source, f"{lab.confidence:.2f}",
                    lab.entity or "", lab.program or "", date_text(lab.valid_from) or "", date_text(lab.valid_to) or "")
                   for lab in labels})
    writer.writerows(rows)
    with gzip.GzipFile(OUT_DIR / "default_labels.csv.gz", "wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    by_source = Counter(row[4] for row in rows)
    by_category = Counter(row[3] for row in rows)
    manifest = {"name": "tracer-default-labels", "version": version, "labels": len(rows),
                "by_source": dict(sorted(by_source.items())), "by_category": dict(sorted(by_category.items())),
                "stats": dict(stats), "notice": "NOTICE.labels"}
    (OUT_DIR / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main() -> None:
    """Build and write the bundled set; print counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--version", default=datetime.now(UTC).strftime("%Y.%m.%d"))
    args = parser.parse_args()
    hints = case_hints(args.data)
    labels, stats = ofac(args.data, hints)
    labels += graphsense(args.data) + etherscan(args.data) + relayers(args.data) + curated()
    write(labels, args.version, stats)
    manifest = json.loads((OUT_DIR / "manifest.json").read_text())
    print(json.dumps({k: manifest[k] for k in ("version", "labels", "by_category", "stats")}, indent=2))
    print(f"wrote {OUT_DIR / 'default_labels.csv.gz'} ({(OUT_DIR / 'default_labels.csv.gz').stat().st_size} bytes)")


if __name__ == "__main__":
    main()
