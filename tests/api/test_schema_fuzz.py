"""Fuzz every /api/v1/ operation from its own OpenAPI document (schemathesis), as a therapist on a real case.

For each operation schemathesis draws valid and invalid requests from the schema that /api/schema/ serves;
every answer must be no 5xx, a status code the schema declares for the operation, the declared content type,
and a body matching the declared schema. Path parameters are the seeded case's real ids most of the time
(random UUIDs would only ever reach 404). Each request runs in a savepoint that is rolled back, so every
request meets the same seeded case. Bounded and derandomized: CI sees the same requests on every run.

`make fuzz` runs the deeper, nightly-style profile: RAPPORT_FUZZ_FACTOR=10 gives every operation 10x the examples
of the CI run (still derandomized, so a failure it finds comes back on the next run).

One plain pytest test per operation (ids like `GET /api/v1/couples/`), each drawing schemathesis cases with
hypothesis: schemathesis 4.32's own `schema.parametrize()` gives every operation the same node id under
pytest 9.2, and pytest-xdist (`make test`) then runs only one of them.

The schema is built at import (collection has no database, and /api/schema/ requires a signed-in user);
test_served_schema_is_the_fuzzed_one proves it is the document the endpoint serves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping

import pytest
import schemathesis
import yaml
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django_otp.oath import totp
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.fuzz_data import seed_case
from tests.factories import TEST_PASSWORD, totp_device_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CI_EXAMPLES = 25  # per operation in CI; about 2,000 requests in all


def examples_per_operation(environ: Mapping[str, str]) -> int:
    """CI_EXAMPLES times RAPPORT_FUZZ_FACTOR (a whole number, 1 unless set; `make fuzz` sets 10)."""
    value = environ.get("RAPPORT_FUZZ_FACTOR", "").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"RAPPORT_FUZZ_FACTOR must be a whole number of at least 1, not {value!r}")
    return CI_EXAMPLES * int(value)


MAX_EXAMPLES = examples_per_operation(os.environ)

# The record kind a path parameter names: by its name, or for `{id}` by the path segment before it.
PARAMETER_KINDS = {"couple_pk": "couple", "plan_pk": "plan", "code": "instrument"}
ID_KINDS = {
    "couples": "couple", "clients": "client", "care-team": "care_team", "plans": "plan", "problems": "problem",
    "goals": "goal", "objectives": "objective", "interventions": "intervention", "sessions": "session",
    "notes": "note", "measures": "measure", "thought-records": "thought_record", "experiments": "experiment",
    "checking-log": "checking", "homework": "homework", "library": "library",
}

RAW_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
schema.app = get_wsgi_application()
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
seeded_ids: dict[str, list[str]] = {}  # filled per test by the `case_ids` fixture


def kind_of(path: str, name: str) -> str | None:
    if name in PARAMETER_KINDS:
        return PARAMETER_KINDS[name]
    match = re.search(r"/([a-z-]+)/\{" + re.escape(name) + r"\}", path)
    return ID_KINDS.get(match.group(1)) if match else None


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter: one of the seeded case's ids of its kind, or the value schemathesis drew."""
    choices = {}
    for name, value in (path_parameters or {}).items():
        real = seeded_ids.get(kind_of(context.operation.path, name) or "", [])
        choices[name] = st.sampled_from([*real, value]) if real else st.just(value)
    return st.fixed_dictionaries(choices)


@pytest.fixture
def wsgi_keeps_test_connection() -> Iterator[None]:
    """As in Django's test client: the WSGI handler must not close the test's connection after a request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(cast, client) -> str:
    """The therapist's token from POST /api/v1/auth/token/, as an API client gets one."""
    device = totp_device_for(cast.therapist)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
    response = client.post("/api/v1/auth/token/", {"username": cast.therapist.username, "password": TEST_PASSWORD,
                                                    "otp_token": code}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def case_ids(cast) -> Iterator[dict[str, list[str]]]:
    seeded_ids.update(seed_case(cast))
    yield seeded_ids
    seeded_ids.clear()


def test_the_fuzz_depth_comes_from_the_environment():
    assert examples_per_operation({}) == examples_per_operation({"RAPPORT_FUZZ_FACTOR": ""}) == CI_EXAMPLES
    assert examples_per_operation({"RAPPORT_FUZZ_FACTOR": "10"}) == 10 * CI_EXAMPLES
    for wrong in ("0", "-3", "ten", "1.5"):
        with pytest.raises(ValueError, match="RAPPORT_FUZZ_FACTOR"):
            examples_per_operation({"RAPPORT_FUZZ_FACTOR": wrong})


def test_served_schema_is_the_fuzzed_one(cast, login):
    response = login(cast.therapist).get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == yaml.safe_load(yaml.safe_dump(RAW_SCHEMA))
    assert len(RAW_SCHEMA["paths"]) > 40  # the whole API, not a stub


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_answers_as_documented(operation, api_token, case_ids, wsgi_keeps_test_connection):
    headers = {"Authorization": f"Token {api_token}"}
    valid_or_not = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(case=valid_or_not)
    def answers_as_documented(case):
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=CHECKS)
            transaction.set_rollback(True)

    answers_as_documented()
