"""Stored alerts for webhook tests (realistic values, no store needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from db.records import StoredAlert
from tracer.model import Alert, Chain, Severity


def stored_alerts(n: int) -> list[StoredAlert]:
    """``n`` alerts of 1.5 ETH leaving one watched wallet."""
    when = datetime(2025, 2, 23, 10, 0, tzinfo=UTC)
    return [StoredAlert(i + 1, 1, Alert(Chain.ETHEREUM, "0x" + "ab" * 20, f"0x{i:064x}", when, "native_out",
                                        1_500_000_000_000_000_000, Chain.ETHEREUM.native, Severity.INFO,
                                        "watched wallet sent 1.5 ETH"), when, False)
            for i in range(n)]
