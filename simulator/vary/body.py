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
from simulator.vary.written import Path, Written, client_object, protected

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


def _where(path: list[str | int]) -> str:
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


class BodyWalker:
    def __init__(self, decider: Decider, valid: Callable[[Any], bool]) -> None:
        self.decider = decider
        self.valid = valid
        self.changes: list[_Change] = []
        self._parent: Any = None
        self.result = BodyVariation()

    def vary(self, doc: Any, schema: Any, data_written: Written | None, registry: Any) -> BodyVariation:
        self.registry = registry
        self._walk(doc, schema, [], None, (), data_written)
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
        self,
        kind: str,
        path: list[str | int],
        detail: str,
        redo: Callable[[], None],
        undo: Callable[[], None],
        index: int,
    ) -> None:
        redo()
        self.changes.append(_Change(Applied(index, kind, _where(path), detail), redo, undo))

    def _walk(
        self,
        value: Any,
        node: Any,
        path: list[str | int],
        written: Written | None,
        rel: Path,
        data_written: Written | None,
    ) -> None:
        here = shape(node)
        if isinstance(value, dict):
            self._walk_object(value, here, path, written, rel, data_written)
        elif isinstance(value, list):
            if here.items is not None:
                for i, item in enumerate(value):
                    self._parent = value
                    self._walk(item, here.items, [*path, i], written, rel, None)
        elif isinstance(value, str):
            self._walk_string(value, here, path, written, rel)
        elif isinstance(value, int | float) and not isinstance(value, bool) and path and not protected(written, rel):
            self._number(value, path)

    def _number(self, value: float, path: list[str | int]) -> None:
        index = self.decider.decide("numbers")
        if index is not None:
            form = NUMBER_FORMS[self.decider.details(index).randrange(len(NUMBER_FORMS))]
            self.result.numbers[(id(self._parent), path[-1])] = form
            self.result.applied.append(Applied(index, "numbers", _where(path), f"{value!r} written as {form}"))

    def _walk_object(
        self,
        value: dict[str, Any],
        here: Shape,
        path: list[str | int],
        written: Written | None,
        rel: Path,
        data_written: Written | None,
    ) -> None:
        if not here.is_record:
            return  # a free-form map: client data, kept as it is
        own = self.registry.paths(value.get("id"))
        if own is not None:
            written, rel = own, ()
        for key in list(value):
            if key in here.properties:
                sub_written, sub_rel = (data_written, ()) if not path and key == "data" else (written, (*rel, key))
                self._parent = value
                self._walk(value[key], here.properties[key], [*path, key], sub_written, sub_rel, None)
        for key in list(value):
            if key in here.required or key not in here.properties or protected(written, (*rel, key)):
                continue
            if not _is_empty(value[key], shape(here.properties[key])):
                continue
            index = self.decider.decide("omit")
            if index is not None:
                self._omit(value, key, [*path, key], index)
        if here.open and not protected(written, rel) and not client_object(written, rel):
            index = self.decider.decide("extra")
            if index is not None:
                self._extra(value, here, path, index)

    def _omit(self, container: dict[str, Any], key: str, path: list[str | int], index: int) -> None:
        before = list(container.items())
        shown = repr(container[key])

        def restore() -> None:
            container.clear()
            container.update(before)

        self._change("omit", path, f"absent (its value was {shown})", lambda: container.pop(key, None), restore, index)

    def _extra(self, container: dict[str, Any], here: Shape, path: list[str | int], index: int) -> None:
        details = self.decider.details(index)
        name = next((n for n in EXTRA_NAMES if n not in here.properties and n not in container), None)
        if name is None:
            return
        extra = details.choice(EXTRA_VALUES)

        def add() -> None:
            container[name] = extra

        self._change(
            "extra", [*path, name], f"undeclared property = {extra!r}", add, lambda: container.pop(name, None), index
        )

    def _walk_string(self, value: str, here: Shape, path: list[str | int], written: Written | None, rel: Path) -> None:
        container, key = self._parent, path[-1] if path else None
        if key is None:
            return
        if here.format == "date-time" and not protected(written, rel):
            index = self.decider.decide("timestamps")
            if index is not None:
                varied = timestamps.vary(value, self.decider.details(index))
                if varied is not None:
                    self._replace(container, key, value, varied, "timestamps", path, f"{value} as {varied}", index)
        elif _message_field(path):
            index = self.decider.decide("text")
            if index is not None:
                varied, how = _text_variant(value, self.decider.details(index))
                self._replace(container, key, value, varied, "text", path, how, index)

    def _replace(
        self, container: Any, key: Any, old: Any, new: Any, kind: str, path: list[str | int], detail: str, index: int
    ) -> None:
        def put(v: Any) -> Callable[[], None]:
            def run() -> None:
                container[key] = v

            return run

        self._change(kind, path, detail, put(new), put(old), index)
