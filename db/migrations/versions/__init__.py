"""Alembic revision scripts (generated with ``alembic revision --autogenerate``, then reviewed)."""
