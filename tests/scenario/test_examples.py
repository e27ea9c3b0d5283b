"""Every example scenario runs for a short stepped duration with the outcomes it promises."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from simulator.scenario.fleet import device_type_body, new_device_type
from simulator.scenario.loader import load_scenario
from simulator.scenario.runner import ScenarioRunner
from simulator.scenario_lookup import bundled_dir
from simulator.services.device_types.inputs import NewDeviceType
from tests.scenario.conftest import series, state, stepped

HOUR = 3600.0


@pytest.fixture(scope="module")
def office() -> ScenarioRunner:
    return stepped("smart-office.toml", 8 * HOUR + 600)


def test_office_values_stay_within_generator_bounds(office: ScenarioRunner) -> None:
    brightness = series(office, "luminaires", "$.attributes.brightness")
    power = series(office, "luminaires", "$.attributes.power")
    assert len(brightness) > 12 * 400 and all(0 <= v <= 100 for v in brightness)
    assert power and all(0 <= v <= 40.0 + 1.5 for v in power)
    humidity = series(office, "climate", "$.attributes.humidity")
    co2 = series(office, "climate", "$.attributes.co2")
    assert humidity and all(30 <= v <= 60 for v in humidity)
    assert co2 and all(v >= 400 for v in co2)
    battery = series(office, "presence", "$.attributes.battery")
    assert battery and all(0 <= v <= 100 for v in battery)
    uptime = series(office, "gateway", "$.attributes.uptime")
    assert uptime == sorted(uptime) and uptime[:3] == [0, 300, 600]


def test_office_presence_sensors_emit_events_at_their_rate(office: ScenarioRunner) -> None:
    stats = office.stats.fleets["presence"]
    expected = 6 * 6 * 8  # six sensors, 6/h each, eight hours (minus offline spells)
    assert 0.6 * expected < stats.events < 1.4 * expected
    device = office.fleets["presence"].devices[0]
    recent = office.sim.events.last_events(device.device_id, ["presenceDetected"])
    assert recent and all(e["value"] == {"zone": "1"} for e in recent)
    assert office.stats.fleets["presence"].offline_spells == 2  # the 2 h timeline step: a third of six


def test_office_luminaires_obey_the_timeline_action(office: ScenarioRunner) -> None:
    dimmed = [d for d in office.fleets["luminaires"].devices if d.values.get("brightness") == 35]
    assert len(dimmed) == 6  # share 0.5 of 12 got `dim` with level 35 and hold it
    for device in dimmed:
        reported = office.sim.devices.get_device(device.tenant_id, device.device_id).state.attributes
        assert reported["brightness"] == 35 and 13 < reported["power"] < 15
    assert office.stats.fleets["luminaires"].actions == 6


def test_office_luminaires_apply_and_report_configuration(office: ScenarioRunner) -> None:
    for index in range(12):
        assert state(office, "luminaires", index).configuration == {"fadeTime": 3}
    assert office.stats.fleets["luminaires"].configurations == 24  # at start, and at 8 h


def test_office_gateway_carries_its_devices_messages(office: ScenarioRunner) -> None:
    gateway = office.fleets["gateway"].devices[0]
    sub = office.fleets["luminaires"].devices[0]
    assert sub.gateway is gateway and sub.address == sub.aliases[0]
    gateway_device = office.sim.devices.get_device(gateway.tenant_id, gateway.device_id)
    assert gateway_device.last_seen is not None and gateway_device.last_seen > office.t0 + 8 * HOUR
    assert office.stats.total("diagnostics") == 0
    assert office.stats.total("accepted") == office.stats.total("messages") + office.stats.total("events")


def test_office_world_is_provisioned_through_the_backends(office: ScenarioRunner) -> None:
    sim = office.sim
    tenant = sim.world.tenant_id
    names = sorted(t.name for t in sim.device_types.types_of(tenant).values())
    assert names == ["Climate sensor", "Dimmable luminaire", "Office gateway", "Presence sensor"]
    devices = sim.devices.devices_of(tenant)
    assert len(devices) == 21
    luminaire = next(d for d in devices.values() if d.name == "Luminaire 05")
    assert luminaire.tags == ["lighting", "floor-3", "zone-2"] and luminaire.location == "hq.floor3.zone2"
    assert len(luminaire.aliases) == 1 and luminaire.aliases[0].count(":") == 5
    facility = sim.users.find_by_email("facility@example.com")
    assert facility is not None and sim.users.role_ids(tenant, facility.id)


def test_single_sensor_reports_every_30_seconds() -> None:
    runner = stepped("single-sensor.toml", HOUR)
    values = series(runner, "sensor", "$.attributes.temperature")
    assert len(values) == 120
    assert all(18 <= v <= 26 and v == round(v, 1) for v in values)
    assert runner.stats.total("accepted") == 120 and runner.stats.total("diagnostics") == 0


def test_flaky_fleet_lands_malformed_messages_in_diagnostics() -> None:
    runner = stepped("flaky-fleet.toml", 3 * HOUR)
    stats = runner.stats.fleets["meters"]
    assert stats.malformed > 20
    assert stats.diagnostics == stats.malformed  # each malformed message: one diagnostics entry
    assert stats.offline_spells > 5 and 10 <= stats.reconnects <= 20
    sim = runner.sim
    diagnosed = [d for d in runner.fleets["meters"].devices if sim.events.last_diagnostics(d.device_id)]
    assert diagnosed
    entry = sim.events.last_diagnostics(diagnosed[0].device_id)[0]
    assert entry["source"] == "mqtt" and entry["level"] == "error"
    assert entry["code"] in {"SCHEMA_VALIDATION_FAILED", "INVALID_TYPE"}
    assert all(0 <= v <= 4000 for v in series(runner, "meters", "$.attributes.power"))


def test_flaky_fleet_rate_change_quadruples_the_reports() -> None:
    runner = stepped("flaky-fleet.toml", 4 * HOUR + 1800)
    device = runner.fleets["meters"].devices[0]
    assert device.every == 15.0
    found = runner.sim.timeseries.series(device.tenant_id, device.device_id, "$.attributes.power")
    assert found is not None
    change = runner.t0 + 4 * HOUR
    before = [t for t in found.times if t < change]
    after = [t for t in found.times if t > change + 60]
    assert median_gap(before) == pytest.approx(60.0)  # gaps: malformed reports and offline spells
    assert median_gap(after) == pytest.approx(15.0)


def median_gap(times: list[float]) -> float:
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    return gaps[len(gaps) // 2]


def test_load_fleet_runs_ten_thousand_devices_in_process() -> None:
    runner = stepped("load-10k.toml", 12)
    assert len(runner.by_id) == 10_000
    sent = runner.stats.total("messages")
    assert 10_000 <= sent <= 20_000
    assert runner.stats.total("accepted") == sent and runner.stats.total("diagnostics") == 0


def test_the_documented_example_runs_without_errors() -> None:
    from simulator.scenario import loads
    from tests.scenario.conftest import ROOT

    text = (ROOT / "docs" / "scenarios.md").read_text()
    example = text.split("### A complete annotated example", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    runner = stepped(loads(example), 3 * HOUR)
    stats = runner.stats
    assert stats.total("errors") == 0 and stats.total("messages") > 2000
    assert stats.total("diagnostics") == stats.total("malformed")
    assert stats.fleets["luminaires"].actions == 12  # at 30 m, repeated at 2 h 30 m, half the fleet each
    assert stats.fleets["luminaires"].offline_spells >= 3
    tenant = runner.sim.tenants.store.tenants[runner.fleets["luminaires"].tenant_id]
    assert tenant.name == "Acme Offices"


def test_a_reset_world_stops_the_runner() -> None:
    from simulator.core.events import DeviceActionRequested

    runner = stepped("single-sensor.toml", 60)
    device = runner.fleets["sensor"].devices[0]
    runner.sim.reset()
    runner.sim.bus.publish(DeviceActionRequested(device.tenant_id, device.device_id, "a1", "noop", {}))
    assert not runner.running


@pytest.mark.parametrize("path", sorted(bundled_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_in_process_and_rest_provisioning_make_the_same_device_types(path: Path) -> None:
    """A scenario builds its device types typed in-process; remote fleets send the body over REST."""
    for spec in load_scenario(path).device_types.values():
        assert NewDeviceType.from_api(device_type_body(spec)) == new_device_type(spec)
