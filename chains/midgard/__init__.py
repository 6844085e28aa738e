"""THORChain actions (swaps, refunds) from a Midgard v2 indexer."""
