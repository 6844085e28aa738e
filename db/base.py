"""Declarative base with the type map shared by every ORM row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of all ``*Row`` classes."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # SQLite only auto-increments an ``INTEGER PRIMARY KEY`` (a BIGINT key stays NULL); its INTEGER is 64-bit anyway.
    type_annotation_map = {int: BigInteger().with_variant(Integer(), "sqlite"), datetime: DateTime(timezone=True)}
