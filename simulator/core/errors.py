"""Errors are raised, not built: each carries its HTTP status and OLT errorCode."""

from __future__ import annotations

from typing import Any


class SimError(Exception):
    """Base of every error a client can cause; transports render it (HTTP body, MQTT diagnostics)."""

    status = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"errorMessage": self.message, "errorCode": self.code}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(SimError):
    status, code = 400, "BAD_REQUEST"


class Unauthorized(SimError):
    status, code = 401, "UNAUTHORIZED"


class Forbidden(SimError):
    status, code = 403, "NO_ACCESS_TO_RESOURCE"


class NotFound(SimError):
    status, code = 404, "NOT_FOUND"


class MethodNotAllowed(SimError):
    status, code = 405, "METHOD_NOT_ALLOWED"


class Conflict(SimError):
    status, code = 409, "CONFLICT"


class PayloadTooLarge(SimError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(SimError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class UnprocessableEntity(SimError):
    status, code = 422, "UNPROCESSABLE_ENTITY"


class Locked(SimError):
    status, code = 423, "LOCKED"


class NotSimulated(SimError):
    status, code = 501, "NOT_IMPLEMENTED"


class OAuthError(Exception):
    """Identity-realm errors use the OAuth shape {error, error_description}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def to_body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def not_found(kind: str, ident: str) -> NotFound:
    return NotFound(f"{kind} {ident} was not found or you do not have access to it")
