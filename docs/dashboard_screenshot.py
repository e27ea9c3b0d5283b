"""Take docs/dashboard.png: `olt-sim serve` with the bundled scenario, an hour of it, the Telemetry tab.

    python docs/dashboard_screenshot.py [OUTPUT.png] [--tab world|telemetry|traffic|control] [--dark]

Needs Debian's chromium and chromium-driver (as the browser tests do).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.dashboard.conftest import CHROMIUM_FLAGS, _read_banner, wait_for  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs" / "dashboard.png"))
    parser.add_argument("--tab", default="telemetry")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    command = [sys.executable, "-m", "simulator.cli", "serve", "--port", "0", "--mqtt-port", "0", "--mqtts-port", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    driver = None
    try:
        base = _read_banner(proc).split("Dashboard:")[1].split()[0].removesuffix("/_sim/ui/")
        control = httpx.Client(base_url=base, timeout=30)
        for _ in range(60):  # an hour of the scenario, a minute at a time, so the charts have a history
            control.post("/_sim/clock/advance", json={"seconds": 60})
        token = control.post("/_sim/tokens", json={"user": "owner@example.com"}).json()["access_token"]
        api = httpx.Client(base_url=base + "/v1", headers={"Authorization": f"Bearer {token}"})
        climate = api.get("/devices", params={"deviceTag": "climate"}).json()["data"][0]["id"]
        options = webdriver.ChromeOptions()
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tempfile.mkdtemp()}"):
            options.add_argument(flag)
        if args.dark:
            options.add_argument("--force-dark-mode")
            options.add_argument("--enable-features=WebContentsForceDark:inversion_method/cielab_based")
        options.binary_location = shutil.which("chromium") or "chromium"
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        metrics = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.get(f"{base}/_sim/ui/#world")
        row = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, f'#devices tr[data-device-id="{climate}"]'))
        row.click()
        if args.tab != "world":
            driver.find_element(By.CSS_SELECTOR, f'nav [data-tab="{args.tab}"]').click()
        time.sleep(2)
        if args.tab == "telemetry":  # act as the device once: the report shows in chart, state and stream
            value = driver.find_element(By.ID, "act-value")
            value.clear()
            value.send_keys('{"temperature": 20.9, "humidity": 40.2, "co2": 571}')
            driver.find_element(By.CSS_SELECTOR, '#act-form button[type="submit"]').click()
        time.sleep(2)
        driver.save_screenshot(args.output)
        print(args.output)
    finally:
        if driver is not None:
            driver.quit()
        proc.send_signal(signal.SIGINT)
        proc.wait(20)


if __name__ == "__main__":
    main()
