"""Alembic migrations of the case store, shipped inside the package so an installed wheel can migrate."""
