"""Bitcoin address clustering: union-find with provenance, CIOH, change detection (methodology §2)."""
