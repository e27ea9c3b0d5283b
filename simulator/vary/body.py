"""Vary a parsed JSON response body along its schema, never contradicting what it says.

Every change is a spelling of the same state: an optional property whose value is empty, null or
its default is dropped (absent means the same); an undeclared property is added where the schema
leaves objects open; a server-made date-time becomes the same instant at another offset or
precision; a number is marked to be written in another form of the same value; server-authored
message text (errors) gets unicode, length or nothing. Free-form objects (configuration, custom)
are client data and are not entered; fields the client wrote (see `written`) are not touched.
After the walk the body is checked against the schema; a change that broke it is reverted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.vary import timestamps
from simulator.vary.choices import Decider
from simulator.vary.shape import NO_DEFAULT, Shape, shape
from simulator.vary.written import Path, Written, WrittenRegistry, client_object, protected

EXTRA_NAMES = ("futureField", "_links", "x-extension", "nextGenerationFlag")
EXTRA_VALUES: tuple[Any, ...] = ("", "ünïcødé ✓ 漢字 🚀", 0, 1.5, True, None, {"nested": {"deep": []}}, [1, "two"])
#: Free text the server writes about a response (not state): the `text` kind may rewrite it.
MESSAGE_FIELDS = {("errorMessage",), ("error_description",), ("details", "*", "message")}
NUMBER_FORMS = ("float", "exponent")


@dataclass(frozen=True)
class Applied:
    """One variation applied to one response: decision number, kind, where, and how."""

    index: int
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"#{self.index} {self.kind} {self.where}: {self.detail}"


@dataclass
class _Change:
    applied: Applied
    redo: Callable[[], None]
    undo: Callable[[], None]


@dataclass
class BodyVariation:
    """The variations applied to one body, and the numbers the emitter should write differently."""

    applied: list[Applied] = field(default_factory=list)
    numbers: dict[tuple[int, str | int], str] = field(default_factory=dict)


def _where(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(body)"


def _is_empty(value: Any, node: Shape) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return node.default is not NO_DEFAULT and value == node.default and type(value) is type(node.default)


def _message_field(path: list[str | int]) -> bool:
    generic = tuple("*" if isinstance(p, int) else p for p in path)
    return generic in MESSAGE_FIELDS


def _text_variant(original: str, details: Any) -> tuple[str, str]:
    choice = details.randrange(4)
    if choice == 0:
        return "", "empty"
    if choice == 1:
        return original + " — ünïcødé ✓ 漢字 🚀 \u202eRTL\u202c", "unicode"
    if choice == 2:
        return original + " " + "long " * 2000, f"{len(original) + 10001} characters"
    return "\u00a0\t" + original + "\n", "surrounding whitespace"


@dataclass(frozen=True)
class _At:
    """Where the walker is: the path in the body, and what the client wrote in the enclosing resource."""

    path: tuple[str | int, ...]
    written: Written | None
    rel: Path  # the path inside that resource

    def into(self, key: str | int, written: Written | None = None, rel: Path | None = None) -> _At:
        sub_rel = (*self.rel, key) if isinstance(key, str) else self.rel  # array items share their list's path
        return _At((*self.path, key), written if rel is not None else self.written, sub_rel if rel is None else rel)


class BodyWalker:
    def __init__(self, decider: Decider, valid: Callable[[Any], bool], registry: WrittenRegistry) -> None:
        self.decider = decider
        self.valid = valid
        self.registry = registry
        self.changes: list[_Change] = []
        self.result = BodyVariation()
        self.data_written: Written | None = None

    def vary(self, doc: Any, schema: Any, data_written: Written | None) -> BodyVariation:
        """Vary `doc` in place; `data_written`: what the client wrote in the resource its `data` is."""
        self.data_written = data_written
        self._walk([doc], 0, schema, _At((), None, ()))
        if self.changes and not self.valid(doc):
            self._keep_only_valid(doc)
        self.result.applied = [c.applied for c in self.changes] + self.result.applied
        return self.result

    def _keep_only_valid(self, doc: Any) -> None:
        """Some change broke the schema (a merged oneOf was too generous): keep those that do not."""
        for change in reversed(self.changes):
            change.undo()
        kept = []
        for change in self.changes:
            change.redo()
            if self.valid(doc):
                kept.append(change)
            else:
                change.undo()
        self.changes = kept

    def _change(
        self, index: int, kind: str, at: _At, detail: str, redo: Callable[[], None], undo: Callable[[], None]
    ) -> None:
        redo()
        self.changes.append(_Change(Applied(index, kind, _where(at.path), detail), redo, undo))

    def _walk(self, container: Any, key: str | int, node: Any, at: _At) -> None:
        value, here = container[key], shape(node)
        if isinstance(value, dict):
            self._walk_object(value, here, at)
        elif isinstance(value, list):
            if here.items is not None:
                for i in range(len(value)):
                    self._walk(value, i, here.items, at.into(i))
        elif not at.path or protected(at.written, at.rel):
            return
        elif isinstance(value, str):
            self._walk_string(container, key, value, here, at)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._number(container, key, value, at)

    def _walk_object(self, value: dict[str, Any], here: Shape, at: _At) -> None:
        if not here.is_record:
            return  # a free-form map: client data, kept as it is
        own = self.registry.paths(value.get("id"))
        if own is not None:
            at = _At(at.path, own, ())
        for key in list(value):
            if key in here.properties:
                top_data = not at.path and key == "data"
                self._walk(
                    value, key, here.properties[key], at.into(key, self.data_written, ()) if top_data else at.into(key)
                )
        for key in list(value):
            if key in here.required or key not in here.properties or protected(at.written, (*at.rel, key)):
                continue
            if _is_empty(value[key], shape(here.properties[key])):
                index = self.decider.decide("omit")
                if index is not None:
                    self._omit(index, value, key, at.into(key))
        if here.open and not protected(at.written, at.rel) and not client_object(at.written, at.rel):
            index = self.decider.decide("extra")
            if index is not None:
                self._extra(index, value, here, at)

    def _omit(self, index: int, container: dict[str, Any], key: str, at: _At) -> None:
        before = list(container.items())

        def restore() -> None:
            container.clear()
            container.update(before)

        shown = f"absent (its value was {container[key]!r})"
        self._change(index, "omit", at, shown, lambda: container.pop(key, None), restore)

    def _extra(self, index: int, container: dict[str, Any], here: Shape, at: _At) -> None:
        name = next((n for n in EXTRA_NAMES if n not in here.properties and n not in container), None)
        if name is None:
            return
        extra = self.decider.details(index).choice(EXTRA_VALUES)

        def add() -> None:
            container[name] = extra

        self._change(
            index, "extra", at.into(name), f"undeclared property = {extra!r}", add, lambda: container.pop(name, None)
        )

    def _number(self, container: Any, key: str | int, value: float, at: _At) -> None:
        index = self.decider.decide("numbers")
        if index is not None:
            form = NUMBER_FORMS[self.decider.details(index).randrange(len(NUMBER_FORMS))]
            self.result.numbers[(id(container), key)] = form
            self.result.applied.append(Applied(index, "numbers", _where(at.path), f"{value!r} written as {form}"))

    def _walk_string(self, container: Any, key: str | int, value: str, here: Shape, at: _At) -> None:
        if here.format == "date-time":
            index = self.decider.decide("timestamps")
            if index is not None:
                varied = timestamps.vary(value, self.decider.details(index))
                if varied is not None:
                    self._replace(index, "timestamps", container, key, varied, at, f"{value} as {varied}")
        elif _message_field(list(at.path)):
            index = self.decider.decide("text")
            if index is not None:
                varied, how = _text_variant(value, self.decider.details(index))
                self._replace(index, "text", container, key, varied, at, how)

    def _replace(self, index: int, kind: str, container: Any, key: str | int, new: Any, at: _At, detail: str) -> None:
        old = container[key]

        def put(v: Any) -> Callable[[], None]:
            def run() -> None:
                container[key] = v

            return run

        self._change(index, kind, at, detail, put(new), put(old))
