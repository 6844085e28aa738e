"""The conservation invariant (issue 13 item 1): exact per origin in base units, loud when broken."""

from __future__ import annotations

import pytest

from tracer.engine.invariants import check_conservation, conservation_differences
from tracer.errors import ConservationViolation, TracerError
from tracer.model import Chain, Endpoint, EndpointStatus, StopReason

ETH = Chain.ETHEREUM.native
STOLEN = {"ethereum:ETH": 12_000 * 10**18}


def _end(origin: str, amount: int, reason: StopReason = StopReason.LABELLED_SERVICE) -> Endpoint:
    return Endpoint(Chain.ETHEREUM, "0xabc", ETH, amount, EndpointStatus.CASHED_OUT, None, reason,
                    origin=origin, origin_amount=amount)


def test_exact_endpoints_fees_and_pending_balance() -> None:
    ends = [_end("ethereum:ETH", 11_000 * 10**18), _end("ethereum:ETH", 10**15, StopReason.FEES),
            _end("inferred:ethereum:ETH", 5_000 * 10**18)]  # the inferred overlay never counts
    check_conservation(STOLEN, ends, {"ethereum:ETH": 1_000 * 10**18 - 10**15})
    assert conservation_differences(STOLEN, ends, {"ethereum:ETH": 1_000 * 10**18 - 10**15}) == {}


def test_double_counted_value_names_the_origin_and_the_difference() -> None:
    # the unseen incident: endpoints summed to +37% of stolen and nothing said so
    ends = [_end("ethereum:ETH", 16_411 * 10**18)]
    with pytest.raises(ConservationViolation, match=r"ethereum:ETH: \+4411000000000000000000 base units") as err:
        check_conservation(STOLEN, ends, case="unseen")
    assert isinstance(err.value, TracerError) and "unseen" in str(err.value)


def test_one_base_unit_missing_or_a_phantom_origin_is_a_violation() -> None:
    with pytest.raises(ConservationViolation, match=r"-1 base units"):
        check_conservation(STOLEN, [_end("ethereum:ETH", STOLEN["ethereum:ETH"] - 1)])
    with pytest.raises(ConservationViolation, match="never stolen"):
        check_conservation(STOLEN, [_end("ethereum:ETH", STOLEN["ethereum:ETH"]), _end("ethereum:DROP@0xd", 5)])
