"""Bitcoin through a Blockstream Esplora / mempool.space REST API."""
