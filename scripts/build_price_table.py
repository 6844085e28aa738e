"""Build the bundled USD price table from the MIT-licensed CoinGecko files of sablier-labs/price-data.

Writes ``tracer/data/prices_usd_daily.csv`` (long format ``date,asset,close_usd,source``, sorted by date then
asset, values copied verbatim) and ``tracer/data/NOTICE.prices`` (attribution + MIT text). Yahoo-derived files
have no licence and are never bundled (see shared data/prices/README.md).

    .venv/bin/python scripts/build_price_table.py [--src /work/shared/data/prices/coingecko_sablier]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = "sablier-labs/price-data"
COMMIT = "8eac8361ff415dd5ab7cac63cdaed256838d0955"
SOURCE = "coingecko:sablier-labs/price-data"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = Path("/work/shared/data/prices/coingecko_sablier")
OUT_CSV = ROOT / "tracer" / "data" / "prices_usd_daily.csv"
OUT_NOTICE = ROOT / "tracer" / "data" / "NOTICE.prices"


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """(day, price) rows of one upstream file: header ``id<TAB>output``, quoted ISO dates."""
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        if header != ["id", "output"]:
            raise SystemExit(f"{path}: unexpected header {header}")
        for line_no, line in enumerate(fh, start=2):
            if not line.strip():
                continue
            day, value = line.rstrip("\n").split("\t")
            day = day.strip('"')
            date.fromisoformat(day)  # validates
            if Decimal(value) <= 0:
                raise SystemExit(f"{path}:{line_no}: non-positive price {value}")
            rows.append((day, value))
    return rows


def build(src: Path) -> tuple[list[tuple[str, str, str, str]], dict[str, int]]:
    """Every (date, asset, close, source) row of the upstream files, sorted; plus rows per asset."""
    out: list[tuple[str, str, str, str]] = []
    per_asset: dict[str, int] = {}
    for path in sorted(src.glob("*_USD.tsv")):
        asset = path.name.removesuffix("_USD.tsv")
        rows = read_tsv(path)
        per_asset[asset] = len(rows)
        out.extend((day, asset, value, SOURCE) for day, value in rows)
    out.sort(key=lambda r: (r[0], r[1]))
    return out, per_asset


def notice(src: Path, rows: int, per_asset: dict[str, int], first: str, last: str) -> str:
    """The attribution file text: origin, commit, copyright and the full MIT licence."""
    licence = (src / "LICENSE.md").read_text(encoding="utf-8").strip()
    assets = ", ".join(f"{a} {n}" for a, n in sorted(per_asset.items()))
    return (
        "prices_usd_daily.csv -- daily USD closes bundled with tracer\n\n"
        "Price data by CoinGecko (https://www.coingecko.com), as collected and published by\n"
        f"{REPO} (https://github.com/{REPO}), directory crypto/, commit {COMMIT}.\n"
        f"{rows} rows ({assets}), {first} .. {last}; values copied verbatim, reshaped to\n"
        "date,asset,close_usd,source by scripts/build_price_table.py. Nothing interpolated.\n\n"
        f"The upstream files are distributed under the MIT licence:\n\n{licence}\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Write the table and its NOTICE; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    args = parser.parse_args(argv)
    rows, per_asset = build(args.src)
    if not rows:
        raise SystemExit(f"no *_USD.tsv files in {args.src}")
    OUT_CSV.parent.mkdir(parents=True, exist_ok=True)
    with OUT_CSV.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("date", "asset", "close_usd", "source"))
        writer.writerows(rows)
    OUT_NOTICE.write_text(notice(args.src, len(rows), per_asset, rows[0][0], rows[-1][0]), encoding="utf-8")
    digest = hashlib.sha256(OUT_CSV.read_bytes()).hexdigest()[:16]
    print(f"wrote {OUT_CSV.relative_to(ROOT)}: {len(rows)} rows {rows[0][0]}..{rows[-1][0]} "
          f"{dict(sorted(per_asset.items()))} sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
