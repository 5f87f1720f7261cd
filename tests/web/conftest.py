"""Fixtures for the web app's tests: the app in this process, its workers in a small pool."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from alignment_runway.web import Limits, create_app

#: Small limits, so the tests stay quick on two cores.
TEST_LIMITS = Limits(samples=50_000, sobol_samples=64, seconds=60.0, workers=2)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(TEST_LIMITS)) as started:
        yield started
