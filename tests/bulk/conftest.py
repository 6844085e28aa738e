"""One small local SparkSession for the whole test session (JVM start-up is the slow part)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from tracer.bulk.spark import spark_session

    session = spark_session("local[2]", "tracer-tests", partitions=2)
    yield session
    session.stop()
