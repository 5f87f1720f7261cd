"""Schemathesis over the OpenAPI schema: generated requests to every endpoint, never a 500.

A small budget (a few examples per operation, derandomized) with small limits, so it stays
quick; bad input must come back as 4xx with a field, never as a server error.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from alignment_runway.web import Limits, create_app

app = create_app(Limits(samples=2_000, sobol_samples=16, seconds=30.0, workers=1))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code in (413, 422, 503):
        assert {"field", "expected", "received", "message"} <= response.json().keys()
