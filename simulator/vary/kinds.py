"""The kinds of variation, their default weights, and the `--vary` spec that switches and weighs them.

A spec is a comma-separated list: `on` (the default set), a kind name (switch it on at its default
weight), `kind=W` (weight W, the chance in [0, 1] that each candidate of that kind is applied) or
`-kind` (switch it off). `omit,timestamps=0.8` turns on only those two; `on,-headers` is the
default set without header variation.
"""

from __future__ import annotations

from dataclasses import dataclass

#: kind -> (default weight, what it does). Every kind keeps the response true to the state.
KINDS: dict[str, tuple[float, str]] = {
    "omit": (0.5, "drop an optional property whose value is empty, null or the schema default"),
    "extra": (0.2, "add a property the contract does not declare, where additionalProperties allows it"),
    "timestamps": (0.5, "write a server-made date-time as the same instant: other offset, fraction digits, case"),
    "numbers": (0.3, "write a number as the same value in another form: 60 as 60.0 or 6e1"),
    "text": (0.5, "server-authored message text (errorMessage, details, error_description): unicode, long, empty"),
    "headers": (0.5, "header name case and order; an extra unknown header"),
    "layout": (0.5, "JSON key order, whitespace and \\u escapes"),
}

DEFAULT_SPEC = "on"


class VarySpecError(ValueError):
    """A `--vary` spec names an unknown kind or a weight outside [0, 1]."""


@dataclass(frozen=True)
class Weights:
    """The enabled kinds and their weights (a kind that is absent is off)."""

    by_kind: dict[str, float]

    def weight(self, kind: str) -> float:
        return self.by_kind.get(kind, 0.0)

    def to_api(self) -> dict[str, float]:
        return dict(self.by_kind)


def default_weights() -> Weights:
    return Weights({kind: weight for kind, (weight, _) in KINDS.items()})


def parse_spec(spec: str) -> Weights:
    """Weights from a spec such as `on`, `omit,timestamps=0.8` or `on,-headers` (see the module doc)."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise VarySpecError("the variation spec is empty; use 'on' or a list of kinds")
    by_kind: dict[str, float] = {}
    for part in parts:
        if part in ("on", "default", "all"):
            by_kind.update(default_weights().by_kind)
            continue
        name, _, weight_text = part.lstrip("-").partition("=")
        if name not in KINDS:
            raise VarySpecError(f"unknown variation kind {name!r}; known: {', '.join(KINDS)}")
        if part.startswith("-"):
            by_kind.pop(name, None)
            continue
        weight = KINDS[name][0]
        if weight_text:
            try:
                weight = float(weight_text)
            except ValueError:
                raise VarySpecError(f"weight of {name!r} must be a number in [0, 1], not {weight_text!r}") from None
            if not 0.0 <= weight <= 1.0:
                raise VarySpecError(f"weight of {name!r} must be in [0, 1], not {weight}")
        by_kind[name] = weight
    return Weights(by_kind)
