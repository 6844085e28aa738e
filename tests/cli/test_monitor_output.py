"""The monitor's cycle line: a delivery backlog is mentioned only when there is a webhook to deliver to (issue 14)."""

from __future__ import annotations

import pytest

from tracer.cli.monitor import _show
from tracer.monitor.cycle import CycleReport


@pytest.mark.parametrize(("webhook", "nag"), [(False, False), (True, True)])
def test_backlog_is_mentioned_only_with_a_webhook(webhook: bool, nag: bool, capsys: pytest.CaptureFixture[str]) -> None:
    _show(CycleReport(watched=3, undelivered=2), json_out=False, webhook=webhook)
    line = capsys.readouterr().out
    assert "3 watched" in line
    assert ("2 alerts await webhook delivery" in line) is nag
