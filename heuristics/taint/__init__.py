"""Taint models (methodology §1, docs/methodology.md): the account ledger replay and the UTXO split.

One implementation of each, run by the engine: :func:`replay` (account chains, per address, asset and origin;
compiled in :mod:`heuristics.taint.kernel`, which :func:`propagate` runs over a whole graph at once)
and :func:`split_utxo` (one spend of a UTXO chain); :func:`split_proportionally` is the exact integer split both
and the engine's inferred links use.
"""

from heuristics.taint.graph import GraphTaint, propagate
from heuristics.taint.replay import LedgerEvent, LedgerResult, Outflow, replay
from heuristics.taint.utxo import split_proportionally, split_utxo

__all__ = ["GraphTaint", "LedgerEvent", "LedgerResult", "Outflow", "propagate", "replay", "split_proportionally",
           "split_utxo"]
