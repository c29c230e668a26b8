"""Fuzzing the API from its own OpenAPI schema with schemathesis, in process, on the test database.

Every operation of ``/api/v1/openapi.json`` (a new endpoint is fuzzed without touching this file) gets, with a real
engineer key:

- schemathesis' coverage cases: boundary values, each optional property alone, missing required properties, wrong
  types, and the methods the path does not have;
- ``MAX_EXAMPLES`` valid and ``MAX_EXAMPLES`` invalid requests drawn by Hypothesis (derandomized: the same requests
  on every run);
- with a body: valid bodies with NUL or a lone surrogate added to every string (what the generators never make);

and each operation that needs a key, again without one and with unknown keys (401). Every answer must be: no 5xx; a
status the schema declares or docs/api.md documents for the operation; invalid data rejected; and each error in the
API's one shape ``{"error": {"code", "message", "details"}}``. Each request runs in a savepoint that is rolled back,
so that no request depends on another's writes. The regressions fuzzing found are at the end.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest
import schemathesis
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, CheckContext, GenerationMode, Response
from schemathesis import Case as GenericCase
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import negative_data_rejection

from wildwatch.detect.library import load_starter
from wildwatch.hub.accounts.models import ApiKey, Organisation
from wildwatch.hub.checks import api as api_module
from wildwatch.hub.checks import detectors
from wildwatch.hub.library import services as library
from wildwatch.hub.library.models import Release
from wildwatch.hub.library.services.watermark import watermarked_bundle

pytestmark = pytest.mark.django_db
Operation = APIOperation[Any, Any, Any, Any]
Case = GenericCase[Operation]

SCHEMA_URL = "/api/v1/openapi.json"
KEY_HEADER = "X-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PUBLIC = {"GET /api/v1/health"}  # the operations without a key (docs/api.md: every other one needs one)
MAX_EXAMPLES = 30  # per operation and per mode (valid, invalid)
POISON_EXAMPLES = 15  # per operation with a body
AUTH_EXAMPLES = 10  # per operation that needs a key
#: what the generators never make: lone surrogates (sent as "\ud800" escapes) and NUL (PostgreSQL's text refuses it)
POISONS = ["\ud800", "x\udfff", "\x00", "\x00\ud83d"]

FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # the first request of a run builds the detector
    derandomize=True,
    database=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)

#: problems fuzzing found in code outside this test's reach, reported and not yet fixed: (operation, a pattern of the
#: problem's report, what and where). When they are the only problems, the test is an xfail that names them (``-ra``
#: lists it in every run's summary); any other problem fails it. Remove an entry when its fix lands.
KNOWN_ISSUES: list[tuple[str, str, str]] = []

#: statuses docs/api.md documents for some operations beyond the generic ones (see ``allowed_statuses``)
DOCUMENTED: dict[str, set[int]] = {
    "/api/v1/library/releases/latest": {304, 403, 404},
    "/api/v1/library/releases/{n}": {304, 403, 404},
    # signals: 403 when the company does not share signals; 404 for a signal that is not yours / never matched
    "/api/v1/signals": {403},
    "/api/v1/signals/{signal_id}/retract": {403, 404},
    "/api/v1/signals/{signal_id}/opinion": {403, 404},
}


# --- the application, in process --------------------------------------------------------------------------------


def in_test_transaction(handler: WSGIHandler) -> WSGIApplication:
    """Django's WSGI handler (what ``get_wsgi_application()`` returns), minus the closing of "old" database
    connections around each request, as in Django's test client: inside a test's transaction autocommit is off,
    which Django takes for a broken connection and closes (the test's data would be gone). The body is read
    before the signals are connected again, since Django sends ``request_finished`` when the body is closed."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            answer = handler(environ, start_response)
            try:
                body = b"".join(answer)
            finally:
                answer.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

    return application


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the request writes is undone, also after a database error (PostgreSQL's aborted transaction)."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


# --- checks ---------------------------------------------------------------------------------------------------------


def error_shape(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error answer is JSON in the API's one shape: ``{"error": {"code", "message", "details"}}``."""
    if response.status_code < 400:
        return None
    what = f"{response.status_code} for {case.method} {case.formatted_path}"
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{what} is not JSON: Content-Type {content_type!r}, body {response.content[:200]!r}")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{what} has an invalid JSON body ({exc}): {response.content[:200]!r}") from None
    assert isinstance(body, dict) and set(body) == {"error"}, f"{what} is not {{'error': ...}}: {body!r:.300}"
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, (
        f"{what}: the error is not {{code, message, details}}: {error!r:.300}")
    assert isinstance(error["code"], str) and error["code"], f"{what}: no error code: {error!r:.300}"
    assert isinstance(error["message"], str) and error["message"], f"{what}: no error message: {error!r:.300}"
    return None


def allowed_statuses(case: Case) -> set[int]:
    """The statuses the schema declares for the case's operation (only 200 so far), and those docs/api.md documents:
    401 and 429 for operations with a key; 413 and 422 with a body; 422 with parameters; and the operation's own
    (``DOCUMENTED``). A method the path does not have: 405."""
    operation = case.operation
    if case.method.upper() != operation.method.upper():
        return {405}
    definition = operation.definition.raw
    allowed = {int(code) for code in operation.responses.status_codes if code.isdigit()}
    if definition.get("security", operation.schema.raw_schema.get("security")):
        allowed |= {401, 429}
    if "requestBody" in definition:
        allowed |= {413, 422}
    if definition.get("parameters"):
        allowed.add(422)
    return allowed | DOCUMENTED.get(operation.path, set())


def documented_status(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The status is one the schema declares or docs/api.md documents for the operation."""
    allowed = allowed_statuses(case)
    assert response.status_code in allowed, (
        f"{case.method} {case.formatted_path} answered {response.status_code}, not one of {sorted(allowed)}: "
        f"{response.content[:300]!r}")
    return None


def unauthorized(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Without a valid key: 401 ``unauthorized`` (whatever else is wrong with the request)."""
    assert response.status_code == 401, (
        f"{case.method} {case.formatted_path} without a valid key answered {response.status_code}, not 401: "
        f"{response.content[:300]!r}")
    assert json.loads(response.content)["error"]["code"] == "unauthorized", response.content[:300]
    return None


WITH_KEY_CHECKS: list[CheckFunction] = [not_a_server_error, error_shape, documented_status, negative_data_rejection]
POISONED_CHECKS: list[CheckFunction] = [not_a_server_error, error_shape, documented_status]
WITHOUT_KEY_CHECKS: list[CheckFunction] = [not_a_server_error, error_shape, unauthorized]

#: changes a drawn case with a drawn value before it is sent; returns more arguments for ``Case.call``
Change = Callable[[Case, Any], dict[str, Any]]


def set_key(case: Case, key: str | None) -> dict[str, Any]:
    """The case with this key (None: without the header)."""
    case.headers.pop(KEY_HEADER, None)  # the headers' names are case-insensitive
    if key is not None:
        case.headers[KEY_HEADER] = key
    return {}


def poisoned(value: Any, text: str) -> Any:
    if isinstance(value, str):
        return value + text
    if isinstance(value, list):
        return [poisoned(item, text) for item in value]
    if isinstance(value, dict):
        return {key: poisoned(item, text) for key, item in value.items()}
    return value


def poison(case: Case, text: str) -> dict[str, Any]:
    """The body with ``text`` added to every string, and as a key of its own; sent as JSON with ``\\u`` escapes
    (schemathesis would encode it as UTF-8, which a lone surrogate is not); with an ``Idempotency-Key`` where the
    operation takes one, so that the answer is stored too."""
    body = poisoned(case.body, text)
    if isinstance(body, dict):
        body[f"extra{text}"] = text
    if any(p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER
           for p in case.operation.definition.raw.get("parameters", [])):
        case.headers[IDEMPOTENCY_HEADER] = "fuzz-poisoned"  # each request is rolled back: no reuse
    return {"data": json.dumps(body).encode("ascii")}


def unknown_keys(real: str) -> st.SearchStrategy[str | None]:
    """No key, an empty one, junk, well-formed keys nobody has, and the real key's prefix with another secret."""
    prefix = real.split("_")[1]
    token = st.text("abcdefABCDEF0123456789-_", min_size=1, max_size=48)
    return st.one_of(
        st.none(), st.just(""), st.just(f"ww_{prefix}_{secrets.token_urlsafe(32)}"), st.just(real[:-1]),
        st.builds(lambda p, s: f"ww_{p}_{s}", token, token),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80),  # a header value: no spaces
    )


# --- the run --------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """Which operations got answers, and the problems found (all reported at the end, not only the first)."""

    answered: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def send(self, case: Case, checks: list[CheckFunction], **call: Any) -> None:
        with rolled_back():
            response = case.call(**call)
            self.answered.add(case.operation.label)
            case.validate_response(response, checks=checks)

    def attempt(self, what: str, test: Callable[[], None]) -> None:
        try:
            test()
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' failures, a check's assertion
            notes = "\n".join(getattr(exc, "__notes__", []))  # Hypothesis' "Falsifying example: ..."
            self.problems.append(f"--- {what}\n{exc}\n{notes}")
        except Exception as exc:  # Hypothesis' errors (Unsatisfiable...), a fault of this test
            self.problems.append(f"--- {what}\n{''.join(traceback.format_exception(exc))}")

    def fuzz(self, operation: Operation, mode: GenerationMode, checks: list[CheckFunction], what: str = "", *,
             headers: dict[str, str] | None = None, max_examples: int = MAX_EXAMPLES,
             change: tuple[st.SearchStrategy[Any], Change] | None = None) -> None:
        """Hypothesis' cases of the operation in the mode, each changed with a value drawn for ``change``."""
        values, apply = change if change is not None else (st.none(), None)

        @settings(FUZZ, max_examples=max_examples)
        @given(case=operation.as_strategy(mode, headers=headers), value=values)
        def test(case: Case, value: Any) -> None:
            self.send(case, checks, **(apply(case, value) if apply is not None else {}))

        self.attempt(f"{operation.label}, {mode.value} cases{what}", test)

    def cover(self, schema: BaseSchema, operation: Operation, headers: dict[str, str]) -> int:
        """schemathesis' coverage cases of the operation (deterministic); returns how many."""
        cases = list(schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                                generation_config=schema.config.generation_for(operation=operation)))
        for case in cases:
            case.headers.update(headers)
            self.attempt(f"{operation.label}, coverage case {case.method} {case.formatted_path}",
                         functools.partial(self.send, case, WITH_KEY_CHECKS))
        return len(cases)


def spec_operations(raw: dict[str, Any], *, secured: bool = False) -> set[str]:
    """``"METHOD /path"`` of every operation in the schema document itself (only those that need a key)."""
    return {f"{method.upper()} {path}" for path, item in raw["paths"].items() for method, op in item.items()
            if method in HTTP_METHODS and (not secured or op.get("security", raw.get("security")))}


def accepts_any_string(schema: dict[str, Any]) -> bool:
    """Whether every string is valid for a parameter (headers' and the query's values are strings)."""
    return any(option.get("type") == "string" and set(option) <= {"type", "title", "description"}
               for option in schema.get("anyOf", [schema]))


def can_be_invalid(operation: Operation) -> bool:
    """A body, or a parameter that not every string satisfies: else there is no invalid request to make."""
    definition = operation.definition.raw
    return "requestBody" in definition or any(not accepts_any_string(parameter.get("schema", {}))
                                              for parameter in definition.get("parameters", []))


@pytest.fixture
def api_schema(keys: dict[str, str], settings: Any, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[BaseSchema]:
    """The API's schema as the API serves it, bound to the application; a published release to download; no rate
    limit worth the name."""
    settings.WILDWATCH_API_RATE = 10**9
    settings.SIGNING_KEY_PATH = tmp_path / "signing-key.pem"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the host schemathesis' WSGI client sends
    caches["default"].clear()
    detectors.reset(keep_starter=True)
    library.import_library(load_starter())
    release = library.publish_release(changelog="fuzzing")
    # the copy is deterministic but takes ~0.5 s to make: made once here (with the organisation's canaries, outside
    # the requests' rolled-back savepoints), then the same copy for every download
    org = ApiKey.objects.get(role="engineer").platform.organisation
    copy = watermarked_bundle(release, org)

    def bundle(r: Release, o: Organisation) -> tuple[bytes, str, str]:
        return copy if (r.pk, o.pk) == (release.pk, org.pk) else watermarked_bundle(r, o)

    monkeypatch.setattr(api_module, "watermarked_bundle", bundle)
    yield schemathesis.openapi.from_wsgi(SCHEMA_URL, in_test_transaction(WSGIHandler()), config=schemathesis.Config())
    detectors.reset(keep_starter=True)  # no detector of this test's release for the next tests


def test_every_operation_survives_fuzzing(api_schema: BaseSchema, keys: dict[str, str]) -> None:
    """Each operation of the schema (their number checked against the document) answers all of the module's cases
    without a 5xx, with documented statuses and in the error shape."""
    schema = api_schema
    raw = json.loads(Client().get(SCHEMA_URL).content)
    expected, secured = spec_operations(raw), spec_operations(raw, secured=True)
    results = list(schema.get_all_operations())
    assert not [r.err() for r in results if isinstance(r, Err)], "schemathesis cannot read some operations"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert {op.label for op in operations} == expected and len(operations) == len(expected)
    public = expected - secured
    assert public == PUBLIC, f"operations without a key: {sorted(public)} (add one to PUBLIC if it is meant to be)"

    run = Run()
    engineer = {KEY_HEADER: keys["engineer"]}
    covered = 0
    for operation in operations:
        covered += run.cover(schema, operation, engineer)
        run.fuzz(operation, GenerationMode.POSITIVE, WITH_KEY_CHECKS, headers=engineer)
        if can_be_invalid(operation):
            run.fuzz(operation, GenerationMode.NEGATIVE, WITH_KEY_CHECKS, headers=engineer)
        if "requestBody" in operation.definition.raw:
            run.fuzz(operation, GenerationMode.POSITIVE, POISONED_CHECKS, " with NUL and lone surrogates",
                     headers=engineer, max_examples=POISON_EXAMPLES, change=(st.sampled_from(POISONS), poison))
        if operation.label in secured:
            run.fuzz(operation, GenerationMode.POSITIVE, WITHOUT_KEY_CHECKS, " without a valid key",
                     max_examples=AUTH_EXAMPLES, change=(unknown_keys(keys["engineer"]), set_key))

    assert run.answered == expected, f"operations never called: {sorted(expected - run.answered)}"
    assert covered >= len(expected)
    known = {problem: why for problem in run.problems for label, pattern, why in KNOWN_ISSUES
             if problem.startswith(f"--- {label},") and re.search(pattern, problem)}
    new = [problem for problem in run.problems if problem not in known]
    assert not new, f"fuzzing found {len(new)} new problem(s):\n\n" + "\n\n".join(new)
    if known:
        pytest.xfail("known issues, reported: " + "; ".join(sorted(set(known.values()))))


# --- regressions found by fuzzing -----------------------------------------------------------------------------------


def post_raw(path: str, body: str | bytes, key: str) -> Any:
    data = body.encode("ascii") if isinstance(body, str) else body
    return Client().post(path, data=data, content_type="application/json", HTTP_X_API_KEY=key)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("put", "/api/v1/check", ["POST"]), ("get", "/api/v1/decisions", ["POST"]), ("delete", "/api/v1/health", ["GET"]),
    ("post", "/api/v1/library/releases/latest", ["GET"]), ("options", "/api/v1/check/batch", ["POST"]),
])
def test_a_method_the_path_does_not_have_is_405_in_the_error_shape(keys: dict[str, str], method: str, path: str,
                                                                   allowed: list[str]) -> None:
    """ninja answered these with a text/html "Method not allowed" (no JSON), whatever the key."""
    for key in (keys["engineer"], None):
        response = Client().generic(method.upper(), path, headers={KEY_HEADER: key} if key else None)
        assert response.status_code == 405 and response["Content-Type"] == "application/json"
        assert response.json() == {"error": {"code": "method_not_allowed", "details": {"allowed": allowed},
                                             "message": f"{method.upper()} is not allowed here; allowed: {allowed[0]}"}}
        assert response["Allow"] == ", ".join(allowed)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/library/releases/", "/api/v1/check/", "/api/v2/check"])
def test_an_unknown_api_url_is_404_in_the_error_shape(keys: dict[str, str], path: str) -> None:
    """Django answered these with the hub's HTML 404 page (an empty release number, a trailing slash...)."""
    response = Client().get(path, HTTP_X_API_KEY=keys["engineer"])
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": f"there is no API endpoint at {path}",
                                         "details": None}}


def test_pages_outside_the_api_keep_their_own_errors(db: Any) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("path", "body", "loc"), [
    ("/api/v1/check", '{"id": "x", "text": "ivory \\ud800 bangle"}', ["body", "text"]),
    ("/api/v1/check", '{"id": "x", "title": "\\udc00", "description": "d"}', ["body", "title"]),
    ("/api/v1/check", '{"id": "x", "text": "t", "\\ud800": 1}', ["body", "\\ud800"]),
    ("/api/v1/check/batch", '{"items": [{"id": "a", "text": "ok"}, {"id": "b", "text": "\\ud83d"}]}',
     ["body", "items", "1", "text"]),
    ("/api/v1/decisions", '{"id": "x", "verdict_taken": "no_violation", "policy": "allowed", '
                          '"terms_confirmed": ["\\ud800"]}', ["body", "terms_confirmed", "0"]),
    ("/api/v1/search/intercept", '"\\\\\\ud800"', ["body"]),  # an escaped backslash, then the lone surrogate
])
def test_a_lone_surrogate_is_422_not_500(keys: dict[str, str], path: str, body: str, loc: list[str]) -> None:
    """A "\\ud800" escape without its pair is valid JSON but not Unicode text: the engine (UTF-32) and the databases
    (UTF-8) cannot encode it, and the answer was a 500."""
    response = post_raw(path, body, keys["engineer"])
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["details"][0]["loc"] == loc, error
    assert error["details"][0]["type"] == "string_unicode"


def test_surrogate_pairs_are_text(keys: dict[str, str]) -> None:
    """A pair of escapes (how ``json.dumps`` sends an emoji) is one character: accepted; so is an escaped
    backslash before "ud800"."""
    for body in ('{"id": "x", "text": "\\ud83d\\udc18 ivory bangle \\u00e9"}', '{"id": "x", "text": "\\\\ud800"}'):
        assert post_raw("/api/v1/check", body, keys["engineer"]).status_code == 200


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 20_000 + b"1" + b"}" * 20_000])
def test_json_nested_too_deeply_is_422_not_500(keys: dict[str, str], body: bytes) -> None:
    """100 KB of brackets made json.loads raise RecursionError: an HTML 500, before any key was checked."""
    for key in (keys["engineer"], ""):
        response = post_raw("/api/v1/check", body, key)
        assert response.status_code == 422 and response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "malformed_json"


def test_json_nested_deeply_but_parsed_is_no_500(keys: dict[str, str]) -> None:
    nested = '{"a": [' * 300 + '"\\ud83d\\udc18"' + "]}" * 300  # with a pair of escapes: the body is walked
    body = f'{{"items": [{{"id": "x", "text": "ivory bangle", "deep": {nested}}}, {nested}]}}'
    response = post_raw("/api/v1/check/batch", body, keys["engineer"])
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"][1]["error"]["code"] == "invalid_item"


@pytest.mark.parametrize(("body", "loc"), [
    ({"id": "a\x00b"}, ["body", "body", "id"]),
    ({"terms_confirmed": ["t-product-ivory-en", "\x00"]}, ["body", "body", "terms_confirmed", "1"]),
    ({"terms_rejected": ["x\x00"]}, ["body", "body", "terms_rejected", "0"]),
])
def test_nul_in_a_decision_is_422_not_500(keys: dict[str, str], body: dict[str, Any], loc: list[str]) -> None:
    """PostgreSQL's text cannot hold NUL: the term lookup and the audit entry failed there with a 500."""
    decision = {"id": "x", "verdict_taken": "no_violation", "policy": "allowed", **body}
    response = post_raw("/api/v1/decisions", json.dumps(decision), keys["engineer"])
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["details"][0]["loc"] == loc, error
    assert "NUL" in error["message"]


def test_nul_in_a_listing_is_text(keys: dict[str, str]) -> None:
    """Scraped text may hold NUL: it is checked like any text (it is not stored)."""
    response = post_raw("/api/v1/check", json.dumps({"id": "x", "text": "ivory\x00 bangle"}), keys["engineer"])
    assert response.status_code == 200


def test_nul_in_a_checked_id_is_422_not_500(keys: dict[str, str]) -> None:
    """The id is echoed, and stored with an Idempotency-Key: NUL was a 500 on PostgreSQL."""
    response = Client().post("/api/v1/check", data=json.dumps({"id": "a\x00", "text": "ivory bangle"}),
                             content_type="application/json", headers={KEY_HEADER: keys["engineer"],
                                                                       IDEMPOTENCY_HEADER: "nul-id"})
    assert response.status_code == 422, response.content
    assert response.json()["error"]["details"][0]["loc"] == ["body", "item", "id"]


# --- found by fuzzing and fixed: regression tests

def test_usage_until_near_the_first_day_is_no_500(keys: dict[str, str]) -> None:
    response = Client().get("/api/v1/usage?until=0001-01-01", headers={KEY_HEADER: keys["engineer"]})
    assert response.status_code < 500, response.content


def test_usage_until_zero_is_not_a_date(keys: dict[str, str]) -> None:
    response = Client().get("/api/v1/usage?until=0", headers={KEY_HEADER: keys["engineer"]})
    assert response.status_code == 422, response.content


def test_nul_in_a_usage_report_is_422(keys: dict[str, str]) -> None:
    response = post_raw("/api/v1/usage", json.dumps({"library_version": "v\x00", "days": {}}), keys["engineer"])
    assert response.status_code == 422, response.content


def test_a_batch_answer_with_an_idempotency_key_holds_no_nul(keys: dict[str, str]) -> None:
    """An invalid item's raw id is echoed in its result, and the whole answer is stored as JSON with the key:
    PostgreSQL cannot store NUL (a 500 there)."""
    body = json.dumps({"items": [{"id": "a\x00"}, {"id": "b", "text": "ivory bangle"}]})
    response = Client().post("/api/v1/check/batch", data=body, content_type="application/json",
                             headers={KEY_HEADER: keys["engineer"], IDEMPOTENCY_HEADER: "nul-batch"})
    assert response.status_code == 200 and b"\\u0000" not in response.content, response.content
