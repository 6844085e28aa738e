"""The tables figures are drawn from: Sankey columns, routes, daily series, wallets, graph layers, summary, annex."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracer.figures import data, graph, series, stages

STOLEN = Decimal("28000000.00")  # 10,000 ETH at 2,750 + 500,000 USDT


def test_every_sankey_column_sums_to_the_stolen_value(sample_doc: dict[str, Any]) -> None:
    links = stages.sankey_links(sample_doc)
    totals = stages.column_totals(links)
    assert list(totals) == list(stages.STAGES)
    for stage, total in totals.items():
        assert abs(total - STOLEN) <= Decimal("0.05"), (stage, total)
    assert data.stolen_usd(sample_doc) == STOLEN


def test_sankey_exits_match_the_endpoints(sample_doc: dict[str, Any]) -> None:
    links = stages.sankey_links(sample_doc)
    exits = links[links.target_stage == "Exits"].groupby("target")["value"].sum()
    assert set(exits.index) == {"exchange", "OTC", "instant exchange", "mixer", "frozen", "dormant", "unknown",
                                "unaccounted"}
    # Endpoint USD sums to 28,000,680.52 with unaccounted; the Sankey rescales that to the stolen 28,000,000.
    scale = STOLEN / Decimal("28000680.52")
    assert abs(Decimal(exits["instant exchange"]) - Decimal("5500000") * scale) < Decimal("0.05")
    assert abs(Decimal(exits["frozen"]) - Decimal("181000") * scale) < Decimal("0.05")
    # hop_limit (1,100.4 ETH), fees (0.6 ETH) and pending (0.3 ETH) are the unaccounted exit.
    assert abs(Decimal(exits["unaccounted"]) - Decimal("3028575") * scale) < Decimal("0.05")


def test_inferred_continuations_are_not_counted(sample_doc: dict[str, Any]) -> None:
    flows = stages.flows_table(sample_doc)
    assert "tron" not in set(flows.chain)  # the TRON endpoints hang off the E5 eXch inference
    table = data.summary_table(sample_doc)
    inferred = table[table.category.str.startswith("inferred")]
    assert list(inferred.category) == ["inferred frozen", "inferred OTC"]
    assert inferred.value.isna().all()


def test_routes_follow_swap_and_bridge(sample_doc: dict[str, Any]) -> None:
    flows = stages.flows_table(sample_doc)
    btc = flows[flows.chain == "bitcoin"]
    assert set(btc.venue) == {"THORChain"}
    assert set(btc.evidence) <= {"E2", "E3"}  # bridge is E2, the peel-chain change outputs E3
    # The 319,000 USDT swap feeds h0's ETH pool: 116 of its 10,116 ETH, so every ETH route carries that share.
    okx = flows[(flows.category == "exchange") & (flows.chain == "ethereum")]
    swapped = Decimal(okx[okx.swap == "Uniswap V3"].value_exit.sum()) / Decimal(okx.value_exit.sum())
    assert abs(swapped - Decimal(319000) / (Decimal(319000) + Decimal(27500000))) < Decimal("0.0005")
    tornado = flows[flows.venue == "Tornado Cash"]
    assert set(tornado.category) == {"mixer"}


def test_daily_routes_and_wallets(sample_doc: dict[str, Any]) -> None:
    daily = series.daily_routes(sample_doc)
    first = daily[daily.date == "2025-02-21"].set_index("route")
    assert first.loc["theft", "value"] == Decimal("28000000.00")
    assert first.loc["swap", "transfers"] == 2
    assert daily.transfers.sum() == len(sample_doc["transfers"])
    assert set(daily.route) <= set(series.ROUTES)
    wallets = series.holding_wallets(sample_doc)
    assert wallets.wallets.iloc[0] == 1  # the exploiter right after the theft
    assert wallets.wallets.max() >= 5
    # At the end: b4 (BTC), l6, l10, the busy address, l11 (frozen USDT), t2 (frozen on TRON) and the exploiter's
    # 0.6 ETH of gas money; the OTC desk t3 is a service and not counted.
    assert wallets.wallets.iloc[-1] == 7


def test_flow_graph_points_right_and_aggregates_the_rest(sample_doc: dict[str, Any]) -> None:
    nodes, edges, rest = graph.graph_tables(sample_doc, top=10)
    layer = dict(zip(nodes.key, nodes.layer, strict=True))
    assert all(layer[str(s)] < layer[str(t)] for s, t in zip(edges.source, edges.target, strict=True))
    all_edges = graph.flow_edges(sample_doc)
    transfers = all_edges[all_edges.kind == "transfer"]
    drawn = edges[edges.kind == "transfer"]
    assert len(drawn) == 10
    assert list(drawn.value) == sorted(transfers.value, reverse=True)[:10]
    # Nothing is lost: drawn + grouped flows = every flow except the fee endpoint at the exploiter (none here).
    assert len(drawn) + rest.flows.sum() == len(transfers)
    assert sum(drawn.value) + sum(rest.value) == sum(transfers.value)
    exits = {"exchange", "OTC", "instant exchange", "mixer", "frozen", "dormant", "unknown", "unaccounted"}
    assert set(rest.category) <= {"intermediate", "inferred other"} | exits | {f"inferred {c}" for c in exits}
    # the eXch payouts' inferred OTC desk and Tether freeze are grouped as the overlay, not as proven exits
    assert {"inferred OTC", "inferred frozen"} <= set(rest.category)
    cross = edges[edges.kind != "transfer"]
    assert set(cross.service) == {"THORChain", "eXch"}
    # The victim -> exploiter theft flow is the largest and sits leftmost.
    assert layer[str(drawn.iloc[0].source)] == 0


def test_summary_reconciles_to_its_total(sample_doc: dict[str, Any]) -> None:
    table = data.summary_table(sample_doc)
    counted = table[~table.category.str.startswith("inferred") & (table.category != "total")]
    total = table[table.category == "total"].iloc[0]
    assert sum(counted.value) == total.value == Decimal("28000680.52")
    assert abs(sum(counted.percent) - Decimal(100)) <= Decimal("0.3")
    assert set(counted.category) == {"exchange", "OTC", "instant exchange", "mixer", "frozen", "dormant", "unknown",
                                     "unaccounted"}


def test_annex_has_every_transfer_with_explorer_links(sample_doc: dict[str, Any]) -> None:
    annex = data.annex_table(sample_doc)
    assert len(annex) == len(sample_doc["transfers"])
    assert list(annex.timestamp_utc) == sorted(annex.timestamp_utc)
    by_chain = dict(zip(annex.chain, annex.explorer_url, strict=False))
    assert by_chain["ethereum"].startswith("https://etherscan.io/tx/0x")
    assert by_chain["bitcoin"].startswith("https://mempool.space/tx/")
    assert by_chain["tron"].startswith("https://tronscan.org/#/transaction/")
    assert (annex.to_label == "Uniswap V3: USDT-WETH").any()


def test_amount_and_stolen_captions(sample_doc: dict[str, Any]) -> None:
    from tracer.figures.render import stolen_text

    assert data.fmt_amount(Decimal("10000")) == "10,000"
    assert data.fmt_amount(Decimal("1499.990")) == "1,499.99"
    assert data.fmt_amount(Decimal("0.00001")) == "0"
    assert stolen_text(sample_doc) == "10,000 ETH + 500,000 USDT ($28.0M)"


def test_unpriced_payout_asset_is_valued_through_its_bridge(doc: dict[str, Any]) -> None:
    # The engine exports usd only where it has a price; BTC reached through THORChain may have none.
    for t in doc["transfers"]:
        if t["asset"] == "BTC":
            t["usd"] = None
    v = data.valuation(doc)
    assert v.priced
    # 4,000 ETH at 2,750 went in, 114.2 BTC came out.
    assert abs(v.prices["BTC"] - Decimal(11_000_000) / Decimal("114.2")) < Decimal("0.01")
    flows = stages.flows_table(doc)
    assert set(flows[flows.chain == "bitcoin"].venue) == {"THORChain"}
