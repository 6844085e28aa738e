"""Data files shipped with tracer (bundled prices, label sets); each has its licence NOTICE beside it."""
