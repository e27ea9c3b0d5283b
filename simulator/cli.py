"""olt-sim: serve the simulator, mint tokens, report coverage, run scenarios and the contract harness."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

import httpx

from simulator.settings import Settings


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "seed": args.seed if args.seed is not None else 0,
        "state_dir": Path(args.state_dir) if args.state_dir else None,
        "clock": args.clock or "realtime",
        "mqtt_port": args.mqtt_port,
        "mqtts_port": args.mqtts_port,
        "domain": args.domain,
        "tls": args.tls,
        "https_port": args.https_port,
    }
    values.update(overrides)
    return Settings(**values)


def _banner(sim: Any) -> str:
    world = sim.world
    token = sim.token_for_user("owner@example.com")
    lines = [
        "OLT simulator is running",
        f"  API:        {sim.base_url}/v1",
        f"  Realm:      {sim.issuer}",
        f"  Contract:   {sim.base_url}/v1/api-collection/openapi.yaml",
        f"  Control:    {sim.base_url}/_sim/world",
        f"  Tenant:     {world.tenant_id} (Demo Tenant)",
        f"  Script client: id {world.script_client_id} secret {world.script_client_secret}",
        f"  Browser client: id {world.browser_client_id}",
        "  Owner token (owner@example.com):",
        f"    {token}",
        f'  Try: curl -H "Authorization: Bearer $TOKEN" {sim.base_url}/v1/device-types',
    ]
    extra = sim.info.get("banner")
    if extra:
        lines.extend(extra)
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    from simulator import scenario_cli as cli_support
    from simulator.runtime import Simulator
    from simulator.scenario.loader import ScenarioError
    from simulator.server import AppServer

    try:
        scenario = cli_support.serve_scenario(args.scenario, empty=args.empty)
    except ScenarioError as error:
        print(str(error), file=sys.stderr)
        return 1
    overrides = cli_support.serve_overrides(scenario, args.clock, args.seed)
    sim = Simulator(_settings(args, **overrides))

    async def main() -> None:
        server = AppServer(sim)
        await server.start()
        stop_scenario = await cli_support.start_in_server(sim, scenario, overrides.get("seed"))
        print(_banner(sim), flush=True)
        try:
            await server.wait()
        finally:
            await stop_scenario()
            await server.stop()

    from simulator.loops import run

    with contextlib.suppress(KeyboardInterrupt):
        run(main())
    print("stopped", flush=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from simulator import scenario_cli as cli_support

    return cli_support.run(args.file, args.duration, args.clock, args.seed)


def cmd_scenario_validate(args: argparse.Namespace) -> int:
    from simulator import scenario_cli as cli_support

    return cli_support.validate(args.file)


def cmd_token(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"clientId": args.client_id} if args.client_id else {"user": args.user}
    if args.tenant:
        body["tenant"] = args.tenant
    try:
        response = httpx.post(f"{args.url.rstrip('/')}/_sim/tokens", json=body, timeout=10)
    except httpx.HTTPError as exc:
        print(f"cannot reach the simulator at {args.url}: {exc}", file=sys.stderr)
        return 2
    if response.status_code != 200:
        print(f"refused ({response.status_code}): {response.text}", file=sys.stderr)
        return 1
    print(response.json()["access_token"])
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from contracts.spec import operations
    from simulator.api.not_simulated import NOT_SIMULATED

    total = len(operations())
    missing = sorted(NOT_SIMULATED)
    print(f"implemented {total - len(missing)}/{total}")
    if args.verbose:
        for operation_id in missing:
            print(f"  not simulated: {operation_id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="olt-sim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the simulated OLT API with a seeded world")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="HTTP port (0 picks a free one)")
    serve.add_argument("--seed", type=int, default=None, help="seed of the world (default: the scenario's, else 0)")
    serve.add_argument("--state-dir", default=None, help="keep keys and certificates here")
    serve.add_argument("--clock", default=None, help="realtime | manual | stepped | scaled:N (default realtime)")
    serve.add_argument("--mqtt-port", type=int, default=1883, help="plain MQTT port for local work (0: free port)")
    serve.add_argument("--mqtts-port", type=int, default=8883, help="MQTT over TLS with client certificates")
    serve.add_argument("--domain", default=None, help="serve api.DOMAIN, id.DOMAIN and mqtt.DOMAIN names")
    serve.add_argument("--tls", action="store_true", help="with --domain: also serve HTTPS with the local CA")
    serve.add_argument("--https-port", type=int, default=None, help="HTTPS port in TLS mode (default 443)")
    serve.add_argument("--scenario", default=None, help="scenario file to run (default: the bundled smart office)")
    serve.add_argument("--empty", action="store_true", help="only the seeded world, no scenario")
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="mint a token from a running simulator")
    who = token.add_mutually_exclusive_group()
    who.add_argument("--user", default="owner@example.com")
    who.add_argument("--client-id", default=None)
    token.add_argument("--tenant", default=None)
    token.add_argument("--url", default="http://127.0.0.1:8080")
    token.set_defaults(func=cmd_token)

    run = sub.add_parser("run", help="run a scenario for a simulated duration and print a summary")
    run.add_argument("file")
    run.add_argument("--duration", default=None, help="simulated time, e.g. 90s, 15m, 24h (default: the scenario's)")
    run.add_argument("--clock", default=None, help="stepped | realtime | scaled:N (default: the scenario's)")
    run.add_argument("--seed", type=int, default=None)
    run.set_defaults(func=cmd_run)

    scenario = sub.add_parser("scenario", help="scenario files")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", required=True)
    validate = scenario_sub.add_parser("validate", help="check a scenario file and name every problem")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_scenario_validate)

    sub.add_parser("contract", help="property-test an OLT API against the contract (see: olt-sim contract -h)")

    from simulator import fleet_cli

    fleet = sub.add_parser("fleet", help="run a scenario's fleets as MQTT devices against any OLT-compatible endpoint")
    fleet_cli.add_arguments(fleet)
    fleet.set_defaults(func=fleet_cli.run)

    coverage = sub.add_parser("coverage", help="how many contract operations are simulated")
    coverage.add_argument("-v", "--verbose", action="store_true")
    coverage.set_defaults(func=cmd_coverage)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["contract"]:
        from contracts.harness.cli import main as contract_main

        return contract_main(argv[1:])
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
