"""Daily USD prices from a CoinGecko-compatible API."""
