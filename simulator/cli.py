"""olt-sim: serve the simulator, mint tokens, report coverage, run scenarios and the contract harness."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

import httpx

from simulator.cli_checks import control_token, redirect_uri
from simulator.cli_options import CliError, Parser, apply_defaults, fail
from simulator.serve_checks import clock_flag
from simulator.settings import Settings
from simulator.version import __version__

ENVIRONMENT = (
    "Every flag can also come from the environment (OLT_SIM_<FLAG>, shown as [env ...]) or from a TOML "
    "config file (--config FILE or OLT_SIM_CONFIG); the command line wins, then the environment."
)
HARNESS_MODULES = {"schemathesis", "hypothesis", "requests"}  # the [contract] extra


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
        "control_token": args.control_token,
        "redirect_uris": tuple(args.redirect_uri),
        "cors_origins": tuple(args.cors_origin or ()),
    }
    if args.vary is not None:  # else the scenario's, if any
        values["vary"], values["vary_plan"] = args.vary, args.vary_plan
    elif args.vary_plan is not None:
        values["vary"], values["vary_plan"] = "on", args.vary_plan
    values.update(overrides)
    return Settings(**values)


def _banner(sim: Any) -> str:
    world = sim.world
    token = sim.token_for_user("owner@example.com")
    lines = [
        "OLT simulator is running",
        f"  Dashboard:  {sim.base_url}/_sim/ui/",
        f"  API docs:   {sim.base_url}/v1/api-collection/",
        f"  API:        {sim.base_url}/v1",
        f"  Realm:      {sim.issuer}",
        f"  Contract:   {sim.base_url}/v1/api-collection/openapi.yaml",
        f"  Control:    {sim.base_url}/_sim/world (health: {sim.base_url}/_sim/health)",
        f"  Tenant:     {world.tenant_id} (Demo Tenant)",
        f"  Script client: id {world.script_client_id} secret {world.script_client_secret}",
        f"  Browser client: id {world.browser_client_id}",
        "  Owner token (owner@example.com):",
        f"    {token}",
        f'  Try: curl -H "Authorization: Bearer $TOKEN" {sim.base_url}/v1/device-types',
    ]
    if sim.vary is not None:
        plan = f", plan {hex(sim.vary.plan)}" if sim.vary.plan is not None else ""
        lines.append(f"  Variation:  {sim.settings.vary} (seed {sim.vary.seed}{plan}); see {sim.base_url}/_sim/vary")
    extra = sim.info.get("banner")
    if extra:
        lines.extend(extra)
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    from simulator import discovery, serve_checks
    from simulator import scenario_cli as cli_support
    from simulator.api.guards import exposure_warning
    from simulator.api.request_log import configure
    from simulator.persistence import serving
    from simulator.runtime import Simulator
    from simulator.scenario.loader import ScenarioError
    from simulator.server import AppServer

    if args.fresh and not args.state_dir:
        print("olt-sim serve: --fresh needs --state-dir", file=sys.stderr)
        return 2
    try:
        scenario = cli_support.serve_scenario(args.scenario, empty=args.empty)
    except ScenarioError as error:
        raise CliError(f"--scenario: {'; '.join(str(p) for p in error.problems)}") from None
    overrides = cli_support.serve_overrides(scenario, args.clock, args.seed)
    settings = _settings(args, **overrides)
    serve_checks.check_state_dir(settings.state_dir)
    serve_checks.check_ports(settings)
    sim = Simulator(settings)
    warning = exposure_warning(sim.settings.host, sim.settings.control_token)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    try:
        state_lines = serving.attach(sim, sim.settings.state_dir, fresh=args.fresh, interval=args.save_interval)
    except serving.StateDirError as error:
        raise CliError(str(error)) from None
    provisioned = None
    if state_lines and state_lines[0].startswith("resumed"):
        scenario, provisioned, line = serving.resumed_scenario(sim, scenario)
        state_lines += [line] if line else []
    configure(args.log_level, args.log_format, args.quiet)  # console logging once every check has passed

    async def main() -> None:
        try:
            server = AppServer(sim)
        except OSError as error:
            raise CliError(f"cannot listen on {settings.host}: {error.strerror or error}") from None
        await server.start()
        stop_scenario = await cli_support.start_in_server(sim, scenario, overrides.get("seed"), provisioned)
        if sim.persister is not None:
            sim.persister.start()
        announced = discovery.announce(sim.info, settings.state_dir)
        if announced:
            sim.info.setdefault("banner", []).append(f"  Server file: {announced[-1]} (olt-sim token finds us here)")
        if not args.quiet:
            print("\n".join([*state_lines, _banner(sim)]), flush=True)
        try:
            await server.wait()
        finally:
            discovery.withdraw(announced)
            await stop_scenario()
            if sim.persister is not None:
                await sim.persister.stop()
            await server.stop()

    from simulator.loops import run

    # uvicorn re-raises the SIGTERM it caught once it has shut down: let that one be harmless, so the
    # finally above still withdraws the server file and stops the scenario.
    signal.signal(signal.SIGTERM, lambda *_: None)
    with contextlib.suppress(KeyboardInterrupt):
        run(main())
    if not args.quiet:
        print("stopped", flush=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from simulator import scenario_cli as cli_support

    return cli_support.run(args.file, args.duration, args.clock, args.seed)


def cmd_scenario_validate(args: argparse.Namespace) -> int:
    from simulator import scenario_cli as cli_support

    return cli_support.validate(args.file)


def _control(args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """A /_sim call on the server found from --url, $OLT_SIM_URL or the running server's file."""
    from simulator.discovery import find_url

    url, source = find_url(args.url, args.state_dir)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if getattr(args, "control_token", None):
            headers["Authorization"] = f"Bearer {args.control_token}"
        return httpx.request(method, f"{url}{path}", json=body, timeout=10, headers=headers)
    except httpx.HTTPError as exc:
        raise CliError(
            f"cannot reach the simulator at {url} (from {source}; set --url or OLT_SIM_URL): {exc}"
        ) from None


def cmd_token(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"clientId": args.client_id} if args.client_id else {"user": args.user}
    if args.tenant:
        body["tenant"] = args.tenant
    response = _control(args, "POST", "/_sim/tokens", body)
    if response.status_code != 200:
        print(f"olt-sim token: refused ({response.status_code}): {response.text}", file=sys.stderr)
        return 1
    print(response.json()["access_token"])
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    response = _control(args, "GET", "/_sim/health")
    print(response.text)
    return 0 if response.status_code == 200 else 1


def add_server_flags(parser: argparse.ArgumentParser) -> None:
    """How a client command finds the server (see simulator/discovery.py)."""
    parser.add_argument(
        "--url",
        default=None,
        help="base URL of the simulator (default: the running `olt-sim serve`, else http://127.0.0.1:8080)",
    )
    parser.add_argument(
        "--state-dir", default=None, help="find the running server through this state dir's server.json"
    )
    parser.add_argument(
        "--control-token",
        type=control_token,
        default=None,
        metavar="TOKEN",
        help="the server's control token, if it was started with one",
    )


def cmd_snapshot(args: argparse.Namespace) -> int:
    from simulator import snapshot_cli
    from simulator.discovery import find_url

    url, _ = find_url(args.url, args.state_dir)
    headers = {"Authorization": f"Bearer {args.control_token}"} if args.control_token else {}
    command = snapshot_cli.save if args.snapshot_command == "save" else snapshot_cli.load
    return command(url, args.file, headers=headers)


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


def _vary_spec(text: str) -> str:
    from simulator.vary import VarySpecError, parse_spec

    try:
        parse_spec(text)
    except VarySpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _vary_plan(text: str) -> int:
    from simulator.vary import parse_plan

    try:
        return parse_plan(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds between 0 and 3600")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="olt-sim", description=__doc__, epilog=ENVIRONMENT)
    parser.add_argument("--version", action="version", version=f"olt-sim {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML file of flag values ([serve] port = 8080 ...)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the simulated OLT API with a seeded world", epilog=ENVIRONMENT)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback by default)")
    serve.add_argument("--port", type=int, default=8080, help="HTTP port (0 picks a free one)")
    serve.add_argument("--seed", type=int, default=None, help="seed of the world (default: the scenario's, else 0)")
    serve.add_argument(
        "--state-dir", default=None, help="keep the world, keys and certificates here (resumed on restart)"
    )
    serve.add_argument("--fresh", action="store_true", help="with --state-dir: forget the saved world, start over")
    serve.add_argument(
        "--save-interval",
        type=_positive_seconds,
        default=1.0,
        metavar="SECONDS",
        help="with --state-dir: save a changed world this often (default 1; a crash loses at most this)",
    )
    serve.add_argument(
        "--clock",
        default=None,
        type=clock_flag,
        help="realtime | manual | stepped | scaled:N (default: the scenario's, else realtime)",
    )
    serve.add_argument("--mqtt-port", type=int, default=1883, help="plain MQTT port for local work (0: free port)")
    serve.add_argument("--mqtts-port", type=int, default=8883, help="MQTT over TLS with client certificates")
    serve.add_argument("--domain", default=None, help="serve api.DOMAIN, id.DOMAIN and mqtt.DOMAIN names")
    serve.add_argument("--tls", action="store_true", help="with --domain: also serve HTTPS with the local CA")
    serve.add_argument("--https-port", type=int, default=None, help="HTTPS port in TLS mode (default 443)")
    serve.add_argument("--scenario", default=None, help="scenario file to run (default: the bundled smart office)")
    serve.add_argument("--empty", action="store_true", help="only the seeded world, no scenario")
    serve.add_argument(
        "--vary",
        nargs="?",
        const="on",
        default=None,
        type=_vary_spec,
        metavar="KINDS",
        help="answer with schema-valid, state-true variations (KINDS e.g. on,-headers; docs/vary.md)",
    )
    serve.add_argument(
        "--vary-plan",
        default=None,
        type=_vary_plan,
        metavar="MASK",
        help="with --vary: replay exactly the variation decisions in MASK (as a failing test printed)",
    )
    serve.add_argument(
        "--control-token",
        type=control_token,
        default=None,
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on /_sim",
    )
    serve.add_argument(
        "--redirect-uri",
        type=redirect_uri,
        action="append",
        default=[],
        metavar="URI",
        help="a redirect URI the browser client accepts, '*' at the end for a prefix "
        "(repeatable; default: any http(s) URL on localhost)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="also allow this browser origin besides localhost (repeatable; comma-separated in env)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="info: one line per request; warning: only requests breaking the contract and 5xx",
    )
    serve.add_argument("--log-format", default="text", choices=["text", "json"], help="console lines as text or JSON")
    serve.add_argument("--quiet", action="store_true", help="no banner and no request lines, only errors")
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="mint a token from a running simulator")
    who = token.add_mutually_exclusive_group()
    who.add_argument("--user", default="owner@example.com", help="e-mail of a seeded or created user")
    who.add_argument("--client-id", default=None, help="an OAuth2 client's id: a token of its service account")
    token.add_argument("--tenant", default=None, help="tenant id to bind the token to (default: the first one)")
    add_server_flags(token)
    token.set_defaults(func=cmd_token)

    health = sub.add_parser("health", help="print the running simulator's /_sim/health (exit 1 if not ready)")
    add_server_flags(health)
    health.set_defaults(func=cmd_health)

    run = sub.add_parser("run", help="run a scenario for a simulated duration and print a summary")
    run.add_argument("file", help="scenario file")
    run.add_argument("--duration", default=None, help="simulated time, e.g. 90s, 15m, 24h (default: the scenario's)")
    run.add_argument("--clock", default=None, help="stepped | realtime | scaled:N (default: the scenario's)")
    run.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    run.set_defaults(func=cmd_run)

    scenario = sub.add_parser("scenario", help="scenario files")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", required=True)
    validate = scenario_sub.add_parser("validate", help="check a scenario file and name every problem")
    validate.add_argument("file", help="scenario file")
    validate.set_defaults(func=cmd_scenario_validate)

    snapshot = sub.add_parser("snapshot", help="save or load the whole world of a running simulator")
    snapshot_sub = snapshot.add_subparsers(dest="snapshot_command", required=True)
    for name, text in (("save", "write the running world to FILE"), ("load", "replace the running world by FILE")):
        action = snapshot_sub.add_parser(name, help=text)
        action.add_argument("file", metavar="FILE", help="the snapshot file (JSON, as GET /_sim/snapshot answers)")
        add_server_flags(action)
        action.set_defaults(func=cmd_snapshot)

    sub.add_parser("contract", help="property-test an OLT API against the contract (see: olt-sim contract -h)")
    sub.add_parser("drift", help="replay a recorded session against the simulator (see: olt-sim drift -h)")

    from simulator import fleet_cli

    fleet = sub.add_parser("fleet", help="run a scenario's fleets as MQTT devices against any OLT-compatible endpoint")
    fleet_cli.add_arguments(fleet)
    fleet.set_defaults(func=fleet_cli.run)

    coverage = sub.add_parser("coverage", help="how many contract operations are simulated")
    coverage.add_argument("-v", "--verbose", action="store_true", help="list the operations not simulated")
    coverage.set_defaults(func=cmd_coverage)
    return parser


def _drift_app() -> Any:
    """A fresh simulator (manual clock) for `olt-sim drift` to replay against in-process."""
    from simulator.api.app import create_app
    from simulator.runtime import Simulator
    from simulator.settings import Settings

    return create_app(Simulator(Settings(clock="manual", public_url="http://testserver")))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["contract"]:
        try:
            from contracts.harness.cli import main as contract_main

            return contract_main(argv[1:])
        except ModuleNotFoundError as error:
            if (error.name or "").split(".")[0] not in HARNESS_MODULES:
                raise
            return fail(
                f"olt-sim contract needs the harness: pip install 'olt-simulator[contract]' ({error.name} is missing)"
            )
    if argv[:1] == ["drift"]:
        from contracts.harness.drift_cli import main as drift_main

        return drift_main(argv[1:], app_factory=_drift_app)
    parser = build_parser()
    try:
        args = parser.parse_args(apply_defaults(parser, argv))
        result: int = args.func(args)
    except CliError as error:
        return fail(str(error))
    return result


if __name__ == "__main__":
    raise SystemExit(main())
