"""Mixer heuristics: Tornado-style pool linking, CoinJoin detection, post-mix following (methodology §3)."""
