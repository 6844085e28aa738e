"""Whole-chain jobs over bulk exports: address clustering and full-history mixer linking (in process or on Spark)."""
