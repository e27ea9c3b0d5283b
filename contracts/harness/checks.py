"""The checks every response goes through: schemathesis' own plus the OLT-specific ones.

OLT checks follow schemathesis' check signature `(ctx, response, case)` and fail by raising a
schemathesis `Failure`, so schemathesis runs and reports them like its own.
"""

from __future__ import annotations

import json
import math
from typing import Any

from schemathesis import Case, CheckContext, Response
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.failures import Failure, Severity
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from schemathesis.specs.openapi.checks import ensure_resource_availability as _ensure_resource_availability

from contracts import spec
from contracts.validation import follow

ERROR_SCHEMA = "#/components/schemas/Error"


class ErrorShapeViolation(Failure):
    """An error answer without OLT's error body."""

    code = "OLT101"
    checks = ("olt_error_shape",)
    kind_title = "Error body is not OLT's shape"


class PaginationViolation(Failure):
    """A paged list whose meta disagrees with the request, itself or its data."""

    code = "OLT102"
    checks = ("olt_pagination",)
    kind_title = "Inconsistent page"


def _fail(kind: type[Failure], case: Case[Any], message: str) -> Failure:
    return kind(operation=case.operation.label, message=message, severity=Severity.HIGH)


def operation_id(case: Case[Any]) -> str:
    return str(case.operation.definition.raw.get("operationId", case.operation.label))


def _body(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _declares_other_error_body(operation: spec.Operation, status: int) -> bool:
    """Whether the contract gives this status a body other than OLT's Error (e.g. OAuth errors)."""
    declared = operation.raw.get("responses", {}).get(str(status))
    if declared is None:
        return False
    content = follow(declared).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    return schema is not None and schema.get("$ref") != ERROR_SCHEMA


def olt_error_shape(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Error answers carry OLT's body: {errorMessage, errorCode, details?: [{path, message}]}."""
    if response.status_code < 400:
        return None
    operation = spec.operation(operation_id(case))
    if operation.tag == "authentication" or _declares_other_error_body(operation, response.status_code):
        return None
    body = _body(response)
    if body is None:
        raise _fail(ErrorShapeViolation, case, f"the {response.status_code} answer has no JSON error body")
    problems = [e.message for e in spec.validator(ERROR_SCHEMA).iter_errors(body)]
    if problems:
        raise _fail(ErrorShapeViolation, case, f"the {response.status_code} error body: " + "; ".join(problems))
    return None


def _requested(case: Case[Any], name: str) -> int | None:
    value = (case.query or {}).get(name) if isinstance(case.query, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def olt_pagination(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Paged lists are consistent: meta echoes the request and agrees with itself and with data."""
    if response.status_code != 200:
        return None
    body = _body(response)
    if not isinstance(body, dict) or not isinstance(body.get("meta"), dict) or not isinstance(body.get("data"), list):
        return None
    meta, items = body["meta"], len(body["data"])
    page, size = meta.get("page"), meta.get("pageSize")
    if not isinstance(page, int) or not isinstance(size, int):
        return None
    wrong = []
    for name, echoed in (("page", page), ("pageSize", size)):
        asked = _requested(case, name)
        if asked is not None and asked != echoed:
            wrong.append(f"asked for {name}={asked}, meta says {echoed}")
    if size > 0 and items > size:
        wrong.append(f"{items} items on a page of {size}")
    total, pages = meta.get("itemsTotal"), meta.get("pagesTotal")
    if isinstance(total, int):
        if items > total:
            wrong.append(f"{items} items but itemsTotal={total}")
        if size > 0:
            expected, expected_pages = max(0, min(size, total - page * size)), math.ceil(total / size)
            if items != expected:
                wrong.append(f"page {page} of size {size} with itemsTotal={total} should hold {expected}, not {items}")
            if isinstance(pages, int) and pages != expected_pages:
                wrong.append(f"pagesTotal={pages} but itemsTotal={total} / pageSize={size} gives {expected_pages}")
    if wrong:
        raise _fail(PaginationViolation, case, "; ".join(wrong))
    return None


def ensure_resource_availability(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """schemathesis' check, held to what the contract promises: only along links the contract declares
    (an inferred link is a guess: a firmware's blob does not exist before it is uploaded), and not
    after a 202 (an accepted job, like a dump, may rightly not exist yet)."""
    recorder = ctx.internals.recorder
    node = recorder.cases.get(case.id) if recorder is not None else None
    if node is not None and node.transition is not None and node.transition.is_inferred:
        return None
    parent = ctx.internals.find_parent(case_id=case.id)
    answer = ctx.internals.find_response(case_id=parent.id) if parent is not None else None
    if answer is not None and answer.status_code == 202:
        return None
    return _ensure_resource_availability(ctx, response, case)


#: schemathesis' checks the harness runs on every response. `ignored_auth` is replaced by the
#: harness' own probe (probes.py): schemathesis' version sends its probes on a fresh session,
#: past the rate limit, the budget and safe mode.
SCHEMATHESIS_CHECKS: tuple[CheckFunction, ...] = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    use_after_free,
    ensure_resource_availability,
)
OLT_CHECKS: tuple[CheckFunction, ...] = (olt_error_shape, olt_pagination)
CHECKS: list[CheckFunction] = [*SCHEMATHESIS_CHECKS, *OLT_CHECKS]
#: The names the reports give the checks (per operation: which ones its responses went through).
CHECK_NAMES: list[str] = [getattr(check, "__name__", str(check)) for check in CHECKS]
