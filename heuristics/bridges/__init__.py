"""Cross-chain following: THORChain (protocol-resolved), known bridge contracts and generic matching."""
