"""A schema-driven fuzzer (Schemathesis) against every operation of the OpenAPI document, on
SQLite and on PostgreSQL, through the real auth middleware with a valid token: no answer may be
a 5xx or differ from the document (status code, content type, body schema).

Bounded and deterministic: ``EXAMPLES`` examples per operation and mode (inputs the document
allows, and inputs it does not), derandomized (the same inputs
on every run), so both databases together stay within a few minutes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dispatch.accounts.access import ROLE_GRANTS, workflow_actions
from dispatch.api.openapi import build_openapi
from tests.api.conftest import COUNTY, Served
from tests.dispatch.factories import OPERATOR, act, new_case
from tests.streams.conftest import free_port

EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SCHEMA = from_dict(build_openapi())


@pytest.fixture
def live(served: Served) -> Iterator[tuple[str, dict[str, str]]]:
    """The app under uvicorn on a free port; a token granted every action in the county."""
    value = served.token("fuzzer", COUNTY, sorted({*ROLE_GRANTS, *workflow_actions()}))
    case = new_case(served.db)  # something to find: ids 1, 2 … exist
    act(served.db, OPERATOR, case.id, "accept")
    new_case(served.db, risk="high", kind="gathering", leader="李副镇长", plan="疏导")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(served.app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="fuzz-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/api", {"Authorization": f"Bearer {value}"}
    finally:
        server.should_exit = True
        thread.join(10)


def fuzz(operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str],
         session: requests.Session) -> list[str]:
    """Failures of one operation with inputs valid (positive) or not (negative) by the
    document, as text (empty: none)."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(base_url=base_url, headers=headers, session=session, checks=CHECKS)
        except Exception as exc:  # a failed check: keep the first per operation and go on
            if not failures:
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:2000])

    run()
    return failures


def test_every_operation_under_the_fuzzer(live: tuple[str, dict[str, str]]) -> None:
    base_url, headers = live
    operations = [op.ok() for op in SCHEMA.get_all_operations()]
    assert len(operations) >= 20  # the document lists the consultation routes too
    failures: list[str] = []
    with requests.Session() as session:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures += fuzz(operation, mode, base_url, headers, session)
    assert not failures, "\n\n".join(failures)
