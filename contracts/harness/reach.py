"""The reach phase: drive every operation to a success response at least once.

Random inputs rarely hit an existing device's certificate or a dump that is ready, so their success
schemas would never be checked. This phase builds the prerequisites each operation needs, in order,
from recipes (recipes.py): a device type with every schema section, a device of it, a certificate,
a firmware with a blob, an application installed in the tenant, an invite, a dump once the clock
says it is ready... Each step is an ordinary case of its operation: it goes through
`Runner.exercise`, so it gets the same checks, safety and ledger as every other request, and safe
mode refuses whatever would touch what the run did not create.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from schemathesis import Case
from schemathesis.core import NOT_SET

from contracts import spec
from contracts.harness.recipes import RECIPES, Step
from contracts.harness.recording import token_claims

if TYPE_CHECKING:
    from contracts.harness.runner import Runner

_REFERENCE = re.compile(r"\{([A-Za-z0-9_.]+)\}")


def self_signed_certificate(common_name: str) -> str:
    """A fresh self-signed EC certificate (PEM), as device onboarding scripts make them."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.PEM).decode()


class Unresolved(LookupError):
    """A step names a value no earlier step produced (its prerequisite failed)."""


def fill(template: Any, known: dict[str, Any]) -> Any:
    """The template with every `{name}` replaced by what earlier steps saved (a whole-string
    reference keeps the value's type)."""
    if isinstance(template, str):
        whole = _REFERENCE.fullmatch(template)
        if whole:
            if whole.group(1) not in known:
                raise Unresolved(whole.group(1))
            return known[whole.group(1)]

        def one(match: re.Match[str]) -> str:
            if match.group(1) not in known:
                raise Unresolved(match.group(1))
            return str(known[match.group(1)])

        return _REFERENCE.sub(one, template)
    if isinstance(template, dict):
        return {key: fill(value, known) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, known) for value in template]
    return template


def pick(data: Any, pointer: str) -> Any:
    """A value from a JSON document by a slash path (`data/id`, `data/0/id`); None when absent."""
    for part in pointer.strip("/").split("/"):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class Reach:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.known: dict[str, Any] = {}

    def start(self) -> None:
        claims = token_claims(self.runner.target.headers().get("Authorization", ""))
        for name, claim in (("userId", "sub"), ("tenantId", "tenant"), ("clientId", "azp")):
            if claims.get(claim):
                self.known[name] = claims[claim]
        self.known["prefix"] = self.runner.ledger.prefix
        self.known["certificate"] = self_signed_certificate(self.runner.ledger.prefix + "device")
        if self.runner.target.other_tenant_id:
            self.known["otherTenantId"] = self.runner.target.other_tenant_id

    def reached(self, operation_id: str) -> bool:
        return self.runner.report.operations[operation_id].reached

    def step(self, step: Step) -> None:
        runner = self.runner
        if step.simulator_only and (not runner.target.is_simulator or runner.options.record):
            return
        try:
            if step.sim is not None:
                self.save(step, runner.target.sim_call("POST", step.sim, fill(step.sim_body, self.known)), {})
                return
            if step.stream is not None:
                self.open_stream(step)
                return
            case = self.case(step)
        except Unresolved:
            return
        response = runner.exercise(case)
        if response is None or not 200 <= response.status_code < 400:
            return
        try:
            body = response.json()
        except ValueError:
            body = None
        self.save(step, body, response.headers)

    def save(self, step: Step, body: Any, headers: Mapping[str, Any]) -> None:
        for name, pointer in step.save.items():
            if pointer.startswith("header:"):
                value = headers.get(pointer.removeprefix("header:"))
            else:
                value = pick(body, pointer)
            if value is not None:
                self.known[name] = value

    def open_stream(self, step: Step) -> None:
        """Open the stream the step's URL grants (its one-time token on the operation's own path)."""
        token = parse_qs(urlsplit(str(fill(step.stream, self.known))).query).get("token", [""])[0]
        path = spec.operation(step.operation_id).full_path.format(**fill(step.path, self.known))
        self.runner.open_websocket(step.operation_id, f"{path}?{urlencode({'token': token})}")

    def case(self, step: Step) -> Case[Any]:
        operation = self.runner.schema.find_operation_by_id(step.operation_id)
        body = fill(step.body, self.known) if step.body is not None else NOT_SET
        return operation.Case(
            path_parameters=fill(step.path, self.known),
            query=fill(step.query, self.known) or None,
            headers=fill(step.headers, self.known) or None,
            body=body,
            media_type=step.media_type if body is not NOT_SET else None,
        )


def references(step: Step) -> set[str]:
    """The names a step's templates refer to."""
    text = json.dumps([step.path, step.query, step.headers, step.body, step.stream, step.sim_body], default=str)
    return set(_REFERENCE.findall(text))


def plan(steps: tuple[Step, ...], selected: set[str]) -> list[Step]:
    """The steps of the selected operations, and those earlier steps that produce what they need."""
    needed: set[str] = set()
    chosen: list[Step] = []
    for step in reversed(steps):
        side_effect = not step.operation_id and not step.save  # e.g. the clock moving on
        if step.operation_id in selected or needed & set(step.save) or side_effect:
            chosen.append(step)
            needed |= references(step)
    return chosen[::-1]


def run(runner: Runner) -> None:
    reach = Reach(runner)
    reach.start()
    for step in plan(RECIPES, runner.selected_set):
        if runner.stopped:
            return
        reach.step(step)
