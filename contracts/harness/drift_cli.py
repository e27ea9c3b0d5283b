"""`olt-sim drift DIR`: replay a recording against the simulator, print and write the drift report.

Exit 0 when the differences are at most `--max-drift`, 1 above it, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from contracts.harness.drift import Difference, DriftReport, replay
from contracts.harness.facts import CONTRADICTED
from contracts.harness.recording import load

USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="olt-sim drift",
        description="Replay a session recorded with `olt-sim contract --record DIR` against the simulator and "
        "report, per operation, where the simulator answers differently.",
    )
    p.add_argument("recording", metavar="DIR", help="the directory given to --record")
    p.add_argument("--base-url", help="a running simulator (default: a fresh one in this process)")
    p.add_argument("--html", metavar="FILE", help="write the report as a self-contained HTML page")
    p.add_argument("--json", metavar="FILE", help="write the report as JSON")
    p.add_argument(
        "--max-drift",
        type=int,
        default=0,
        metavar="N",
        help="exit 1 when more than N differences are found (default 0)",
    )
    return p


def text(report: DriftReport, limit: int = 200) -> str:
    lines = [f"drift of {report.session.base_url} (recorded {report.session.mode} mode) against the simulator:"]
    for op in sorted(report.operations.values(), key=lambda o: (-len(o.differences), o.operation_id)):
        if not op.differences:
            continue
        lines.append(f"  {op.operation_id} ({op.replayed}/{op.exchanges} replayed)")
        for difference, seqs in list(op.differences.items())[:limit]:
            lines.append(f"    {difference.kind}: {difference.detail} (x{len(seqs)}, e.g. #{seqs[0]})")
    facts = report.judge.summary()
    lines.append(
        f"{report.drift} differences in {sum(1 for o in report.operations.values() if o.differences)} of "
        f"{len(report.operations)} operations; {len(report.skipped)} exchanges not replayed; inferred facts: "
        + ", ".join(f"{count} {verdict}" for verdict, count in facts.items())
    )
    for fact in report.judge.facts.values():
        if fact.verdict == CONTRADICTED:
            lines.append(f"  CONTRADICTED {fact.pointer}: {fact.evidence[0] if fact.evidence else ''}")
    return "\n".join(lines)


_STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.contradicted{background:#fdecea}.confirmed{background:#eaf7ea}code{overflow-wrap:anywhere}"""


def html_page(report: DriftReport) -> str:
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>OLT drift report</title>",
        f"<style>{_STYLE}</style></head><body><h1>Drift: {esc(report.session.base_url)} vs the simulator</h1>",
        f"<p>{report.drift} differences; recorded in {esc(report.session.mode)} mode.</p>",
        "<h2>Per operation</h2><table><tr><th>operation</th><th>replayed</th><th>kind</th><th>difference</th>"
        "<th>exchanges</th></tr>",
    ]
    for op in sorted(report.operations.values(), key=lambda o: o.operation_id):
        rows: list[tuple[Difference | None, list[int]]] = [*op.differences.items()] or [(None, [])]
        for difference, seqs in rows:
            kind, detail = (difference.kind, difference.detail) if difference else ("", "no difference")
            parts.append(
                f"<tr><td>{esc(op.operation_id)}</td><td>{op.replayed}/{op.exchanges}</td><td>{esc(kind)}</td>"
                f"<td><code>{esc(detail)}</code></td><td>{' '.join(f'#{s}' for s in seqs[:10])}</td></tr>"
            )
    parts.append(
        "</table><h2>Inferred facts of the contract</h2><table><tr><th>fact</th><th>verdict</th><th>evidence</th></tr>"
    )
    for fact in sorted(report.judge.facts.values(), key=lambda f: (f.verdict != CONTRADICTED, f.pointer)):
        parts.append(
            f"<tr class='{fact.verdict.replace(' ', '-')}'><td><code>{esc(fact.pointer)}</code></td>"
            f"<td>{esc(fact.verdict)} ({fact.confirmed}/{fact.contradicted})</td>"
            f"<td>{'<br>'.join(esc(e) for e in fact.evidence)}</td></tr>"
        )
    parts.append("</table>")
    if report.skipped:
        parts.append("<h2>Not replayed</h2><ul>" + "".join(f"<li>{esc(s)}</li>" for s in report.skipped) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def main(argv: list[str], app_factory: Callable[[], Any] | None = None) -> int:
    """`app_factory` builds an in-process simulator app when no --base-url is given."""
    args = parser().parse_args(argv)
    try:
        if args.max_drift < 0:
            raise ValueError("--max-drift must be 0 or more")
        session, exchanges = load(args.recording)
        if args.base_url:
            client: httpx.Client = httpx.Client(
                base_url=args.base_url.rstrip("/").removesuffix("/v1"), timeout=30, follow_redirects=False
            )
        elif app_factory is not None:
            from starlette.testclient import TestClient

            client = TestClient(app_factory(), follow_redirects=False)
        else:
            raise ValueError("--base-url is required")
        with client:
            report = replay(client, session, exchanges)
    except (ValueError, FileNotFoundError, RuntimeError, httpx.TransportError) as error:
        print(f"olt-sim drift: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(text(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    if args.html:
        Path(args.html).write_text(html_page(report), encoding="utf-8")
    return 1 if report.drift > args.max_drift else 0
