"""`olt-sim contract ...`: what simulator/cli.py hands `argv` to. Exit 0 = conforming, 1 = not, 2 = usage."""

from __future__ import annotations

import argparse
import sys

from contracts.harness.client import by_operation, fetch_journal, format_report
from contracts.harness.ledger import Ledger, state_dir
from contracts.harness.options import FULL, SAFE, Options, OptionsError

USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="olt-sim contract",
        description="Check an OLT API (the real platform, the simulator, anything in between) against the contract. "
        "Safe mode (default against anything but the olt simulator) only reads and creates, updates and deletes "
        "resources of its own.",
    )
    p.add_argument("--base-url", help="where the API lives (with or without /v1)")
    auth = p.add_argument_group("credentials (the simulator needs none)")
    auth.add_argument("--token", help="bearer token")
    auth.add_argument("--client-id", help="client credentials: client id")
    auth.add_argument("--client-secret", help="client credentials: secret")
    auth.add_argument("--tenant", help="client credentials: tenant id the token is for")
    auth.add_argument("--other-token", help="a token of another tenant, for the tenant isolation check")
    run = p.add_argument_group("run")
    run.add_argument("--mode", choices=[SAFE, FULL], help="default: full against the simulator, safe elsewhere")
    run.add_argument("--allow-destructive", action="store_true", help="allow --mode full against a real platform")
    run.add_argument("--max-examples", type=int, default=20, help="inputs per operation and kind (default 20)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--rate", type=float, help="requests per second (safe mode default 5)")
    run.add_argument("--budget", type=int, help="most requests to send, cleanup not counted (safe mode default 2000)")
    run.add_argument("--operation", action="append", dest="operations", metavar="OPERATION_ID", help="only these")
    run.add_argument(
        "--min-reached",
        type=int,
        metavar="N",
        help="fail unless N operations answered with success at least once "
        "(default: all, in full mode against the simulator)",
    )
    run.add_argument("--no-stateful", action="store_true", help="skip the stateful phase")
    run.add_argument("--no-cleanup", action="store_true", help="keep what the run made (remove it with --cleanup)")
    run.add_argument("--run-id", help="name the run (default: random); its name prefix is oh-<run id>-")
    run.add_argument("--state-dir", help="where run ledgers are kept (default .olt-harness or $OLT_HARNESS_STATE)")
    out = p.add_argument_group("output")
    out.add_argument("--junit-xml", metavar="FILE")
    out.add_argument(
        "--record",
        metavar="DIR",
        help="keep every exchange (secrets scrubbed) in DIR for `olt-sim drift DIR`; safe mode unless --mode full",
    )
    out.add_argument("--quiet", action="store_true", help="no progress lines while the run runs")
    out.add_argument("--report", metavar="FILE", help="HTML report (JSON if FILE ends in .json)")
    other = p.add_argument_group("other commands")
    other.add_argument("--cleanup", metavar="RUN_ID", help="delete what an interrupted run left behind")
    other.add_argument(
        "--client-report",
        action="store_true",
        help="print a client's contract violations per operation from the simulator's request journal",
    )
    return p


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        base_url=args.base_url,
        token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        tenant=args.tenant,
        other_token=args.other_token,
        mode=args.mode,
        allow_destructive=args.allow_destructive,
        max_examples=args.max_examples,
        seed=args.seed,
        rate=args.rate,
        budget=args.budget,
        junit_xml=args.junit_xml,
        report=args.report,
        state_dir=args.state_dir,
        run_id=args.run_id,
        cleanup=not args.no_cleanup,
        stateful=not args.no_stateful,
        operations=tuple(args.operations) if args.operations else None,
        min_reached=args.min_reached,
        progress="quiet" if args.quiet else "auto",
        record=args.record,
    )


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        if args.client_report:
            if not args.base_url:
                raise OptionsError("--client-report needs --base-url")
            summaries = by_operation(fetch_journal(args.base_url))
            print(format_report(summaries))
            return 1 if any(s.violating for s in summaries.values()) else 0
        if args.cleanup and not args.base_url:
            args.base_url = Ledger.load(state_dir(args.state_dir), args.cleanup).base_url
        if not args.base_url:
            raise OptionsError("--base-url is required")
        from contracts.harness.runner import cleanup_run, run

        options = options_from(args)
        report = cleanup_run(options, args.cleanup) if args.cleanup else run(options)
    except (OptionsError, FileNotFoundError, RuntimeError) as error:
        print(f"olt-sim contract: {error}", file=sys.stderr)
        return USAGE_ERROR
    if not args.cleanup:
        print(report.table())
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
