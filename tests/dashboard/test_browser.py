"""The dashboard and the API reference in a real (headless) Chromium against `olt-sim serve`.

What a frontend developer does with the page, each checked through the page itself: the world
shows what the API created, MQTT reports reach state and charts, a refused request stands out,
the clock moves the charts, a minted token works, and the reference page lists and calls operations.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.dashboard.conftest import Served, console_errors, wait_for

TYPE = {
    "name": "Thermometer",
    "schema": {
        "attributes": {"temperature": {"type": "number"}, "label": {"type": "string"}},
        "events": {"overheated": {"type": "object"}},
    },
    "reportingRules": [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}],
}


def open_dashboard(driver: Any, served: Served, tab: str = "world") -> None:
    driver.get("about:blank")  # a new page load, not just a fragment change of the last test's page
    driver.get(f"{served.base_url}/_sim/ui/#{tab}")
    wait_for(lambda: driver.execute_script("return document.body.dataset.ready") == "true", message="dashboard start")


def make_device(served: Served, name: str = "Kitchen thermometer") -> str:
    with served.api() as api:
        type_id = api.post("/device-types", json=TYPE).json()["data"]["id"]
        created = api.post("/devices", json={"info": {"name": name, "deviceTypeId": type_id, "tags": ["kitchen"]}})
        assert created.status_code == 201, created.text
        return str(created.json()["data"]["id"])


def text_of(driver: Any, css: str) -> str:
    """textContent: also for elements on a tab that is not shown."""
    return str(driver.find_element(By.CSS_SELECTOR, css).get_attribute("textContent"))


def chart(driver: Any, attribute: str) -> dict[str, str]:
    element = driver.find_element(By.CSS_SELECTOR, f'.chart[data-attribute="{attribute}"]')
    return {key: element.get_attribute(f"data-{key}") or "" for key in ("xmax", "points", "last")}


def click(driver: Any, css: str, message: str) -> None:
    """Click what `css` finds, again if the list was re-rendered under the pointer (a stale element)."""
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, css).click() or True, message=message)


def show_device_telemetry(driver: Any, device_id: str) -> None:
    click(driver, f'#devices tr[data-device-id="{device_id}"]', "the device's row")
    wait_for(lambda: "Telemetry" in text_of(driver, "#device-detail"), message="device detail")
    click(driver, "#to-telemetry", "the Telemetry button")
    wait_for(lambda: chart(driver, "temperature")["xmax"], message="the temperature chart")


def test_dashboard_loads_every_tab_without_console_errors(browser: Any, served: Served) -> None:
    open_dashboard(browser, served)
    for tab in ("world", "telemetry", "traffic", "control"):
        browser.find_element(By.CSS_SELECTOR, f'nav [data-tab="{tab}"]').click()
        wait_for(lambda t=tab: browser.find_element(By.CSS_SELECTOR, f'main > section[data-tab="{t}"]').is_displayed())  # type: ignore[misc]
    wait_for(lambda: "owner@example.com" in text_of(browser, "#users"), message="the seeded users")
    wait_for(lambda: "UTC" in text_of(browser, "#header-clock"), message="the clock")
    wait_for(lambda: browser.find_element(By.ID, "stream-dot").get_attribute("class") == "dot on", message="the stream")
    assert browser.find_element(By.ID, "fatal").text == ""
    assert console_errors(browser) == []


def test_a_device_created_through_the_api_appears(browser: Any, served: Served) -> None:
    open_dashboard(browser, served)
    device_id = make_device(served, "Boiler room thermometer")
    row = f'#devices tr[data-device-id="{device_id}"]'
    text = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, row).text, message="the new device in the list")
    assert "Boiler room thermometer" in text and "kitchen" in text and "Thermometer" in text
    tag = browser.find_element(By.ID, "filter-tag")
    tag.send_keys("garden", "\n")  # the API's deviceTag filter: no device has this tag
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, row), message="the filter to hide the device")
    tag.clear()
    tag.send_keys("kitchen", "\n")
    click(browser, row, "the new device")
    wait_for(lambda: device_id in text_of(browser, "#device-detail"), message="the device's detail")
    assert "Certificates" in text_of(browser, "#device-detail")
    assert console_errors(browser) == []


def test_a_gateway_shows_its_children_and_lists_them_with_the_api_filter(browser: Any, served: Served) -> None:
    gateway_id = make_device(served, "Hall gateway")
    with served.api() as api:
        type_id = api.get(f"/devices/{gateway_id}").json()["data"]["info"]["deviceTypeId"]
        child = api.post(
            "/devices", json={"info": {"name": "Hall sensor", "deviceTypeId": type_id, "connectedBy": gateway_id}}
        )
        assert child.status_code == 201, child.text
    child_id = child.json()["data"]["id"]
    open_dashboard(browser, served)
    click(browser, f'#devices tr[data-device-id="{gateway_id}"]', "the gateway")
    wait_for(lambda: "Gateway children (1)" in text_of(browser, "#device-detail"), message="the gateway's child")
    click(browser, "#device-detail button[type=button]", "List them")
    wait_for(
        lambda: (
            [
                r.get_attribute("data-device-id")
                for r in browser.find_elements(By.CSS_SELECTOR, "#devices tr")
                if r.get_attribute("data-device-id")
            ]
            == [child_id]
        ),
        message="only the child in the list",
    )
    assert console_errors(browser) == []


def test_an_attribute_sent_over_mqtt_reaches_state_and_chart_within_a_second(browser: Any, served: Served) -> None:
    device_id = make_device(served)
    open_dashboard(browser, served)
    show_device_telemetry(browser, device_id)
    info = served.control.get("/_sim/mqtt", params={"deviceId": device_id}).json()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device_id)
    credentials = info["credentials"][0]
    client.username_pw_set(credentials["username"], credentials["password"])
    client.connect(info["mqttHost"], info["mqttPort"])
    client.loop_start()
    try:
        latencies = []
        for attempt in range(3):  # a loaded machine may stall once; the page must keep up within 1 s
            value = 20.5 + attempt
            sent = time.monotonic()
            report = json.dumps({"type": "attributes", "value": {"temperature": value}})
            client.publish("data-ingest", report, qos=1).wait_for_publish(10)
            wait_for(
                lambda v=value: (
                    chart(browser, "temperature")["last"] == str(v)  # type: ignore[misc]
                    and f'"temperature": {v}' in text_of(browser, "#device-attributes")
                ),
                timeout=20,
                message="the value in chart and state",
            )
            latencies.append(time.monotonic() - sent)
            if latencies[-1] <= 1.0:
                break
        assert min(latencies) <= 1.0, latencies
    finally:
        client.loop_stop()
        client.disconnect()
    Select(browser.find_element(By.ID, "tel-range")).select_by_value("1h")  # the API's aggregation, per minute
    wait_for(lambda: chart(browser, "temperature")["points"] == "1", message="one aggregated point")
    assert float(chart(browser, "temperature")["last"]) >= 20.5
    assert console_errors(browser) == []


def test_a_request_that_violates_the_contract_is_highlighted_in_the_journal(browser: Any, served: Served) -> None:
    open_dashboard(browser, served, "traffic")
    with served.api() as api:
        refused = api.post("/devices", json={"info": {"name": 42}})
    assert refused.status_code == 400

    def refused_row() -> tuple[str, str]:
        rows = browser.find_elements(By.CSS_SELECTOR, "#requests tr.violation")
        return next((r.get_attribute("data-entry-id"), r.text) for r in rows if "/v1/devices" in r.text)

    entry_id, text = wait_for(refused_row, message="the refused request, highlighted")
    assert "400" in text and "owner@example.com" in text
    click(browser, f'#requests tr[data-entry-id="{entry_id}"]', "the refused request")
    detail = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#request-detail .violation-box"))
    assert "info" in detail.text
    assert '"name": 42' in text_of(browser, "#request-detail")  # the request body, on demand
    rows = "#requests tbody tr"
    shown = wait_for(lambda: ([r.text for r in browser.find_elements(By.CSS_SELECTOR, rows)],))[0]
    assert not any("dashboard" in t for t in shown)  # the page's own calls are hidden by default
    browser.find_element(By.ID, "req-hide-own").click()
    wait_for(
        lambda: any("dashboard" in r.text for r in browser.find_elements(By.CSS_SELECTOR, "#requests tbody tr")),
        message="the dashboard's own requests, when asked for",
    )
    browser.find_element(By.ID, "req-violations").click()
    classes = wait_for(
        lambda: [r.get_attribute("class") or "" for r in browser.find_elements(By.CSS_SELECTOR, "#requests tbody tr")]
    )
    assert all("violation" in c for c in classes)
    assert console_errors(browser) == []


def test_advancing_the_clock_moves_the_charts(browser: Any, served: Served) -> None:
    device_id = make_device(served)
    open_dashboard(browser, served)
    show_device_telemetry(browser, device_id)
    before = float(chart(browser, "temperature")["xmax"])
    browser.find_element(By.CSS_SELECTOR, 'nav [data-tab="control"]').click()
    seconds = browser.find_element(By.ID, "advance-seconds")
    seconds.clear()
    seconds.send_keys("2")
    Select(browser.find_element(By.ID, "advance-unit")).select_by_visible_text("h")
    browser.find_element(By.ID, "clock-advance").click()
    wait_for(lambda: float(chart(browser, "temperature")["xmax"]) >= before + 7200, message="the time axis to move")
    clock = served.control.get("/_sim/clock").json()
    assert clock["mode"] == "manual"
    assert console_errors(browser) == []


def test_a_minted_token_works_against_the_api(browser: Any, served: Served) -> None:
    open_dashboard(browser, served, "control")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '#token-subject option[value="reader@example.com"]'))
    Select(browser.find_element(By.ID, "token-subject")).select_by_value("reader@example.com")
    browser.find_element(By.ID, "token-mint").click()
    token = wait_for(lambda: browser.find_element(By.ID, "token-value").get_attribute("value"), message="a token")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{served.base_url}/v1/device-types", headers=headers).status_code == 200
    refused = httpx.post(f"{served.base_url}/v1/device-types", headers=headers, json=TYPE)
    assert refused.status_code == 403  # the reader's token, as chosen
    assert browser.find_element(By.ID, "token-copy").is_enabled()
    assert console_errors(browser) == []


def test_the_api_reference_renders_every_operation_and_tries_one(browser: Any, served: Served) -> None:
    browser.get(f"{served.base_url}/v1/api-collection/")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) >= 100, timeout=60, message="operations")
    wait_for(lambda: "sends a token for" in browser.find_element(By.ID, "token-state").text, message="a minted token")
    operation = browser.find_element(By.CSS_SELECTOR, '[id$="-listPermissions"]')
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait_for(lambda: operation.find_element(By.CSS_SELECTOR, ".try-out__btn")).click()
    wait_for(lambda: operation.find_element(By.CSS_SELECTOR, ".execute")).click()
    answer = ".live-responses-table tbody .response-col_status"
    status = wait_for(lambda: operation.find_element(By.CSS_SELECTOR, answer), message="the answer")
    assert status.text.strip().startswith("200")
    assert "devices:read" in operation.find_element(By.CSS_SELECTOR, ".live-responses-table").text
    assert console_errors(browser) == []


def test_a_snapshot_uploaded_from_the_control_tab_restores_the_world(
    browser: Any, served: Served, tmp_path: Path
) -> None:
    device_id = make_device(served, "Saved thermometer")
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(served.control.get("/_sim/snapshot").text)
    served.control.post("/_sim/reset", json={}).raise_for_status()
    open_dashboard(browser, served, "control")
    browser.find_element(By.ID, "snapshot-upload").send_keys(str(snapshot))
    wait_for(lambda: "restored" in text_of(browser, "#world-result"), message="the upload to finish")
    with served.api() as api:
        assert api.get(f"/devices/{device_id}").status_code == 200
    browser.find_element(By.CSS_SELECTOR, 'nav [data-tab="world"]').click()
    wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, f'#devices tr[data-device-id="{device_id}"]'),
        message="the restored device in the list",
    )
    assert console_errors(browser) == []


def test_active_fault_rules_are_listed_with_their_counters(browser: Any, served: Served) -> None:
    rule = {"match": {"operationId": "listDeviceTypes"}, "effect": {"status": 503}, "count": 1}
    added = httpx.post(f"{served.base_url}/_sim/faults", json=rule)
    assert added.status_code == 201, added.text
    rule_id = added.json()["id"]
    try:
        with served.api() as api:
            assert api.get("/device-types").status_code == 503  # the rule fires once: its counter moves
        open_dashboard(browser, served, "control")
        wait_for(lambda: rule_id in text_of(browser, "#faults"), message="the fault rule in the Control tab")
        row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#faults tr") if rule_id in r.text)
        assert "503" in row.text and "listDeviceTypes" in row.text
        assert row.find_elements(By.CSS_SELECTOR, "td")[-1].text == "1"  # hits
        assert console_errors(browser) == []
    finally:
        httpx.delete(f"{served.base_url}/_sim/faults/{rule_id}")
