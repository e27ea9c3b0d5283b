"""The world's files under `<state-dir>/world/`: what a save writes and a start reads back.

    world.json        the latest world (snapshot document minus device points) + where its points end
    world.prev.json   the one before, kept as a fallback for a damaged world.json
    points-N.jsonl    device timeseries points, appended (see points.py); N grows on each rewrite

A save appends points first, then replaces world.json atomically: world.json never names points
that are not on disk, and bytes after the length it records (a save cut short) are dropped on load.
Problems are `StateDirError`s with one line naming the file.
"""

from __future__ import annotations

import contextlib
import gc
import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from simulator.core.clock import iso
from simulator.core.snapshot import decode
from simulator.persistence.files import append_durably, fsync_dir, keep_previous, write_atomically
from simulator.persistence.points import PointsDelta, PointsTracker, encode_lines, read_lines
from simulator.world import World

if TYPE_CHECKING:
    from simulator.runtime import Simulator

FORMAT = "olt-sim-world"
#: On-disk format version. When it changes, add a function to MIGRATIONS that turns a document of
#: the previous version into the next one; versions without a migration path are refused.
FORMAT_VERSION = 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def dump_document(document: dict[str, Any]) -> bytes:
    """orjson (fast) unless a value needs the standard library (integers past 64 bits, which orjson
    would read back as floats): such a document starts with a space, so `load_document` knows."""
    try:
        return orjson.dumps(document)
    except TypeError:
        return b" " + json.dumps(document, separators=(",", ":")).encode()


def load_document(data: bytes) -> Any:
    return json.loads(data) if data[:1] == b" " else orjson.loads(data)


class StateDirError(Exception):
    """A state dir that cannot be resumed: one line for the user, naming the file."""


@dataclass(frozen=True)
class Resumed:
    devices: int
    points: int
    recovered_from: str | None = None  # the damaged file's problem, when the fallback was used


def migrate(document: dict[str, Any], path: Path) -> dict[str, Any]:
    version = document.get("version")
    if document.get("format") != FORMAT or type(version) is not int:
        raise StateDirError(f"{path}: not an olt-sim world file")
    if version > FORMAT_VERSION:
        raise StateDirError(
            f"{path}: written by a newer olt-sim (format {version}, this one reads up to "
            f"{FORMAT_VERSION}); upgrade olt-sim or start over with --fresh"
        )
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StateDirError(
                f"{path}: format {version} is too old for this olt-sim (reads {FORMAT_VERSION}); "
                "start over with --fresh"
            )
        document = step(document)
        version = document["version"] = version + 1
    return document


class WorldFiles:
    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / "world"
        self.current = self.dir / "world.json"
        self.previous = self.dir / "world.prev.json"
        self.tracker = PointsTracker()
        self.generation = 0
        self.points_bytes = 0
        self._writing = threading.Lock()  # one writer at a time, even when a cancelled save still runs
        self.scenario: dict[str, Any] | None = None  # the running scenario's devices (scenario_devices.py)
        self.must_rewrite = True  # nothing of ours on disk yet, or not trusted: write every point

    def points_path(self, generation: int) -> Path:
        return self.dir / f"points-{generation}.jsonl"

    def exists(self) -> bool:
        return self.current.exists() or self.previous.exists()

    def wipe(self) -> None:
        """--fresh: forget the saved world (keys and certificates beside it stay)."""
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ saving

    def prepare(self, sim: Simulator) -> Callable[[], None]:
        """Take what must be saved now (on the loop) and return the slow part (file I/O, any thread)."""
        gc.disable()  # encoding makes many small objects at once; see load()
        try:
            return self._prepare(sim)
        finally:
            gc.enable()

    def _prepare(self, sim: Simulator) -> Callable[[], None]:
        devices = sim.state.timeseries.devices
        delta = self.tracker.everything(devices) if self.must_rewrite else self.tracker.delta(devices)
        self.must_rewrite = False
        sim.state.timeseries.devices = {}
        try:
            snapshot = sim.snapshot()
        finally:
            sim.state.timeseries.devices = devices
        self.tracker.saved_now(devices, delta)
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "savedAt": iso(sim.clock.now()),
            "clockMode": sim.clock.mode,
            "scenario": self.scenario,
        }
        return lambda: self._write_or_rewrite_later(header, snapshot, delta)

    def _write_or_rewrite_later(self, header: dict[str, Any], snapshot: dict[str, Any], delta: PointsDelta) -> None:
        try:
            with self._writing:
                self._write(header, snapshot, delta)
        except BaseException:
            self.must_rewrite = True  # the tracker believed these points saved: start the log over
            raise

    def _write(self, header: dict[str, Any], snapshot: dict[str, Any], delta: PointsDelta) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = encode_lines(delta.lines)
        if delta.rewrite:
            old = self.generation
            self.generation += 1
            write_atomically(self.points_path(self.generation), data)
            self.points_bytes = len(data)
            with contextlib.suppress(FileNotFoundError):
                self.points_path(old - 1).unlink()  # world.prev.json may still name `old`
        elif data:
            self.points_bytes = append_durably(self.points_path(self.generation), data)
        points = {"file": self.points_path(self.generation).name, "bytes": self.points_bytes}
        document = {**header, "points": points, "snapshot": snapshot}
        keep_previous(self.current, self.previous)
        write_atomically(self.current, dump_document(document))
        fsync_dir(self.dir)

    # ------------------------------------------------------------------ loading

    def load(self, sim: Simulator) -> Resumed:
        """Resume the saved world into `sim` (before it serves); falls back to world.prev.json."""
        gc.disable()  # millions of new objects: the cyclic collector would rescan them again and again
        try:
            return self._load_or_fall_back(sim)
        finally:
            gc.enable()

    def _load_or_fall_back(self, sim: Simulator) -> Resumed:
        try:
            return self._load_from(sim, self.current)
        except StateDirError as damaged:
            if not self.previous.exists():
                raise
            try:
                resumed = self._load_from(sim, self.previous)
            except StateDirError as also:
                raise StateDirError(f"{damaged}; the fallback too: {also}") from None
            self.must_rewrite = True  # the next save writes all points as a new generation
            return Resumed(resumed.devices, resumed.points, recovered_from=str(damaged))

    def _load_from(self, sim: Simulator, path: Path) -> Resumed:
        try:
            document = load_document(path.read_bytes())
        except FileNotFoundError:
            raise StateDirError(f"{path}: missing") from None
        except (ValueError, OSError) as exc:
            raise StateDirError(f"{path} is damaged: {str(exc).splitlines()[0]}") from None
        if not isinstance(document, dict):
            raise StateDirError(f"{path}: not an olt-sim world file")
        document = migrate(document, path)
        try:
            snapshot, points = document["snapshot"], document["points"]
            world = decode(snapshot["state"])
            random_state = decode(snapshot["random"])
            clock = float(snapshot["clock"])
            generation = int(points["file"].removeprefix("points-").removesuffix(".jsonl"))
            length = int(points["bytes"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateDirError(f"{path} is damaged: {type(exc).__name__} {exc}") from None
        if not isinstance(world, World):
            raise StateDirError(f"{path} is damaged: it holds no world")
        devices, count = self._read_points(generation, length)
        world.timeseries.devices = devices
        sim.clock.clear_timers()
        if sim.clock.mode != "realtime":  # a real-time clock resumes at the wall's time
            sim.clock.reset_to(clock)
        sim.random.rng.setstate(random_state)
        sim.state = world
        self.tracker.track(devices)
        self.generation, self.points_bytes, self.must_rewrite = generation, length, False
        self.scenario = document.get("scenario")
        for hook in list(sim.restore_hooks):
            hook()
        devices_count = sum(len(by_tenant) for by_tenant in world.devices.devices.values())
        return Resumed(devices_count, count)

    def _read_points(self, generation: int, length: int) -> tuple[Any, int]:
        path = self.points_path(generation)
        if length == 0 and not path.exists():
            return {}, 0
        try:
            with path.open("rb") as handle:
                data = handle.read(length)
        except OSError as exc:
            raise StateDirError(f"{path}: cannot be read ({exc.strerror})") from None
        if len(data) < length:
            raise StateDirError(f"{path} is truncated: {len(data)} of {length} bytes")
        try:
            found = read_lines(data)
        except ValueError as exc:
            raise StateDirError(f"{path} is damaged: {exc}") from None
        with contextlib.suppress(OSError):
            if path.stat().st_size > length:
                with path.open("r+b") as handle:  # a save cut short left bytes world.json never named
                    handle.truncate(length)
        return found
