"""The state dir's world files: saved and resumed whole, points appended, damage reported in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.persist_world import build_world
from simulator.persistence import world_files
from simulator.persistence.world_files import StateDirError, WorldFiles
from simulator.runtime import Simulator
from simulator.settings import Settings

PATH = "$.attributes.temperature"


def make() -> Simulator:
    return Simulator(Settings(clock="manual"))


def save(sim: Simulator, files: WorldFiles) -> None:
    files.prepare(sim)()


def points(sim: Simulator) -> list[tuple[str, list[float], list[object]]]:
    return sorted(
        (d, s.times, s.values)
        for t in sim.state.timeseries.devices.values()
        for d, by in t.items()
        for s in by.values()
    )


def resume(state_dir: Path) -> tuple[Simulator, world_files.Resumed]:
    sim = make()
    return sim, WorldFiles(state_dir).load(sim)


def test_a_saved_world_resumes_whole(tmp_path: Path) -> None:
    sim = make()
    ids = build_world(sim, 20, 200)
    sim.clock.advance(500)
    files = WorldFiles(tmp_path)
    save(sim, files)
    state = sim.random.rng.getstate()
    next_id = sim.random.uuid()
    sim.random.rng.setstate(state)

    other, resumed = resume(tmp_path)

    assert (resumed.devices, resumed.points) == (20, 200)
    assert other.clock.time() == sim.clock.time()
    assert points(other) == points(sim)
    assert set(other.state.devices.devices[sim.world.tenant_id]) == set(ids)
    assert json.dumps(other.snapshot()) == json.dumps(sim.snapshot())
    assert other.random.uuid() == next_id  # ids continue, never collide with the saved ones


def test_new_points_are_appended_and_other_changes_rewrite_the_log(tmp_path: Path) -> None:
    sim = make()
    ids = build_world(sim, 3, 30)
    files = WorldFiles(tmp_path)
    save(sim, files)
    log = files.points_path(files.generation)
    first = log.stat().st_size
    tenant = sim.world.tenant_id
    sim.timeseries.append(tenant, ids[0], PATH, sim.clock.time() + 5, 1.5)
    save(sim, files)
    assert log.stat().st_size > first and files.points_path(files.generation) == log  # appended
    sim.timeseries.series(tenant, ids[1], PATH).delete(None, None)  # type: ignore[union-attr]
    save(sim, files)
    assert files.points_path(files.generation) != log  # rewritten as a new generation
    other, resumed = resume(tmp_path)
    assert resumed.points == 21
    assert points(other) == points(sim)


def test_a_damaged_world_file_falls_back_to_the_previous_save(tmp_path: Path) -> None:
    sim = make()
    build_world(sim, 2, 4)
    files = WorldFiles(tmp_path)
    save(sim, files)
    sim.tenants.create_tenant("Later", sim.world.owner_user_id)
    save(sim, files)
    files.current.write_bytes(files.current.read_bytes()[:100])  # truncated

    other, resumed = resume(tmp_path)

    assert resumed.recovered_from is not None and "world.json is damaged" in resumed.recovered_from
    assert resumed.points == 4
    assert "Later" not in {t.name for t in other.state.tenants.tenants.values()}


def test_damage_with_no_good_fallback_is_one_line_naming_the_file(tmp_path: Path) -> None:
    sim = make()
    build_world(sim, 2, 40)
    files = WorldFiles(tmp_path)
    save(sim, files)
    save(sim, files)
    log = files.points_path(files.generation)
    log.write_bytes(log.read_bytes()[:50])

    with pytest.raises(StateDirError) as refused:
        resume(tmp_path)
    message = str(refused.value)
    assert "\n" not in message and str(log) in message and "truncated" in message

    files.current.write_bytes(b"\x00garbage")
    files.previous.write_bytes(b"")
    with pytest.raises(StateDirError, match=r"world\.json is damaged.*world\.prev\.json is damaged"):
        resume(tmp_path)


def test_bytes_after_the_last_complete_save_are_dropped(tmp_path: Path) -> None:
    sim = make()
    build_world(sim, 2, 10)
    files = WorldFiles(tmp_path)
    save(sim, files)
    log = files.points_path(files.generation)
    with log.open("ab") as handle:
        handle.write(b'["t","d","$.x",[1,2],[1')  # a save killed mid-append
    _, resumed = resume(tmp_path)
    assert resumed.points == 10
    assert log.stat().st_size == files.points_bytes


def test_format_versions_newer_refused_older_migrated_or_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = make()
    files = WorldFiles(tmp_path)
    save(sim, files)
    document = json.loads(files.current.read_text())
    files.previous.unlink(missing_ok=True)

    files.current.write_text(json.dumps({**document, "version": 99}))
    with pytest.raises(StateDirError, match="newer olt-sim"):
        resume(tmp_path)

    files.current.write_text(json.dumps({**document, "version": 0}))
    with pytest.raises(StateDirError, match="format 0 is too old"):
        resume(tmp_path)

    monkeypatch.setitem(world_files.MIGRATIONS, 0, lambda old: {**old, "migrated": True})
    _, resumed = resume(tmp_path)
    assert resumed.devices == 0

    files.current.write_text('{"hello": 1}')
    with pytest.raises(StateDirError, match="not an olt-sim world file"):
        resume(tmp_path)


def test_integers_past_64_bits_survive_exactly(tmp_path: Path) -> None:
    sim = make()
    ids = build_world(sim, 1, 1)
    huge = 10**40
    sim.timeseries.append(sim.world.tenant_id, ids[0], PATH, sim.clock.time() + 1, huge)
    sim.tenants.create_tenant("Big", sim.world.owner_user_id).package = {"n": huge}
    save(sim, WorldFiles(tmp_path))
    other, _ = resume(tmp_path)
    assert points(other) == points(sim)
    assert json.dumps(other.snapshot()) == json.dumps(sim.snapshot())
