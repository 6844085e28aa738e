"""The sandbox world: a generated laundering incident served over loopback in the real APIs' dialects."""
