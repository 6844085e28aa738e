"""Fund-flow figures (placeholder while building)."""
