"""TRON through TronGrid v1 (TRX transfers and TRC-20 token transfers)."""
