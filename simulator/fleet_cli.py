"""`olt-sim fleet`: run a scenario's fleets as real MQTT devices against any OLT-compatible endpoint.

One simulator, N fleet machines: each machine runs `olt-sim fleet SCENARIO --target URL` (with
`--count` devices per fleet, its own share) and prints its workers' counters and their sum.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.fleets.counters import Counters


def mqtt_address(text: str) -> tuple[str, int]:
    """argparse type of --mqtt: HOST:PORT (IPv6 in brackets)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="scenario file whose fleets to run")
    parser.add_argument("--target", required=True, help="base URL of the simulator or OLT-compatible endpoint")
    parser.add_argument(
        "--mqtt", type=mqtt_address, default=None, help="broker HOST:PORT (default: from the simulator's /_sim/mqtt)"
    )
    parser.add_argument("--tls", action="store_true", help="connect over TLS with a client certificate per device")
    parser.add_argument("--ca", default=None, help="CA file of the broker (TLS; default: the simulator's, else system)")
    parser.add_argument("--token", default=None, help="bearer token of the tenant (default: a simulator's owner)")
    parser.add_argument("--workers", type=positive_int, default=1, help="worker processes (about one per spare core)")
    parser.add_argument("--count", type=positive_int, default=None, help="devices per fleet on this machine")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the devices report (real time)")
    parser.add_argument("--every", type=float, default=None, help="report period in seconds (default: the scenario's)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    from simulator.fleets.pool import raise_open_file_limit, run_fleet
    from simulator.fleets.remote import RemoteError, remote_manifest
    from simulator.scenario.loader import ScenarioError

    raise_open_file_limit()
    try:
        ca_pem = Path(args.ca).read_text() if args.ca else None
        manifest = remote_manifest(
            Path(args.file),
            args.target,
            token=args.token,
            mqtt=args.mqtt,
            tls=args.tls,
            ca_pem=ca_pem,
            seconds=args.seconds,
            every=args.every,
            count=args.count,
        )
    except (ScenarioError, RemoteError, OSError) as error:
        print(f"olt-sim fleet: {error}", file=sys.stderr)
        return 1
    print(
        f"{len(manifest.devices)} devices provisioned on {args.target}; connecting to {manifest.host}:"
        f"{manifest.port} over {args.workers} worker(s)",
        file=sys.stderr,
        flush=True,
    )
    total, parts = run_fleet(manifest, args.workers)
    if args.json:
        print(json.dumps({"total": total.as_dict(), "workers": [p.as_dict() for p in parts]}))
    else:
        for number, part in enumerate(parts):
            print(f"worker {number}: {_line(part)}")
        print(f"total:    {_line(total)}")
    failed = any(p.devices < 0 for p in parts) or total.refused > 0 or total.acked < total.sent
    return 1 if failed else 0


def _line(c: Counters) -> str:
    return (
        f"{c.devices} devices, {c.connected} connected ({c.refused} refused) in {c.connect_seconds:.1f} s, "
        f"{c.sent} sent, {c.acked} acknowledged, {c.not_sent} not sent while offline, {c.downlink} downlink, "
        f"{c.cpu_seconds:.1f} CPU s"
    )
