"""Pure heuristics: taint models, swaps, bridges, mixers, CoinJoins, peel chains, clustering."""
