"""A real `olt-sim serve` on free ports and a headless Chromium driven by selenium.

The browser tests skip (with the reason) only where Chromium or its driver is not installed;
`.ci/run` installs Debian's `chromium` and `chromium-driver`, so CI runs them. A failing test
leaves a screenshot (path in the failure report) under $OLT_SIM_SCREENSHOT_DIR or the temp dir.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

T = TypeVar("T")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--disable-dev-shm-usage",
)
SCREENSHOTS = Path(os.environ.get("OLT_SIM_SCREENSHOT_DIR", Path(tempfile.gettempdir()) / "olt-sim-screenshots"))


@dataclass
class Served:
    """`olt-sim serve` running as a user starts it: its base URL and a /_sim client."""

    base_url: str
    control: httpx.Client

    def token(self, user: str = "owner@example.com") -> str:
        return str(self.control.post("/_sim/tokens", json={"user": user}).json()["access_token"])

    def api(self, user: str = "owner@example.com") -> httpx.Client:
        return httpx.Client(base_url=self.base_url + "/v1", headers={"Authorization": f"Bearer {self.token(user)}"})


def _read_banner(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    return "".join(lines)


@pytest.fixture(scope="package")
def served() -> Iterator[Served]:
    """An empty world on a manual clock (the tests move time themselves)."""
    command = [
        sys.executable,
        "-m",
        "simulator.cli",
        "serve",
        "--empty",
        "--clock",
        "manual",
        "--port",
        "0",
        "--mqtt-port",
        "0",
        "--mqtts-port",
        "0",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = _read_banner(proc)
        found = re.search(r"Dashboard:\s+(http://\S+?)/_sim/ui/", banner)
        assert found, banner
        with httpx.Client(base_url=found.group(1), timeout=30) as control:
            yield Served(found.group(1), control)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="package")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.skip("no browser here: install Debian's chromium and chromium-driver (.ci/run does) to run these")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    outcome: Any = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def browser(chromium: Any, served: Served, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared browser on a reset world; a screenshot of the page when the test fails."""
    chromium.get("about:blank")  # the last test's page must not see the reset (its device would be gone)
    served.control.post("/_sim/reset", json={}).raise_for_status()
    served.control.delete("/_sim/requests").raise_for_status()
    chromium.get_log("browser")  # drop what earlier tests left
    yield chromium
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}.png"
        chromium.save_screenshot(str(path))
        report.sections.append(("screenshot", str(path)))
        print(f"\nscreenshot of the failing page: {path}")


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait_for(condition: Callable[[], T], timeout: float = 20.0, message: str = "condition") -> T:
    """Poll until `condition()` is truthy (a loaded machine gets the whole timeout)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # the page is still rendering: stale or missing elements
            last_error = error
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}" + (f" (last error: {last_error!r})" if last_error else ""))
