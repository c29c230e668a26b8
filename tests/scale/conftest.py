"""One local Spark session (local[2]) per test process; the Spark tests share one xdist group, so that a run with
``--dist loadgroup`` starts a single JVM for them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/scale/test_spark" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("spark"))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from wildwatch.scale.spark import session

    s = session("local[2]", batch_rows=64)  # small batches: several per partition in the tests
    yield s
    s.stop()
