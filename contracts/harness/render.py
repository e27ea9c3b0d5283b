"""Reports on disk: JUnit XML (one test case per operation), a self-contained HTML page, JSON."""

from __future__ import annotations

import html
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from contracts.harness.options import Options
from contracts.harness.report import Report


def junit(report: Report) -> str:
    suite = ET.Element(
        "testsuite",
        name="olt-contract",
        tests=str(len(report.operations)),
        failures=str(len(report.failing_operations())),
        skipped=str(sum(1 for s in report.operations.values() if s.not_simulated or not s.requests)),
        time=f"{report.duration:.3f}",
        timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(report.started)),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("runId", report.run_id),
        ("baseUrl", report.base_url),
        ("mode", report.mode),
        ("seed", report.seed),
        ("maxExamples", report.max_examples),
        ("verdict", report.verdict()),
        ("reached", report.reached),
        ("minReached", report.min_reached),
    ):
        ET.SubElement(props, "property", name=name, value=str(value))
    by_operation: dict[str, list[str]] = {}
    for finding in report.findings:
        by_operation.setdefault(finding.operation_id, []).append(
            f"[{finding.check}] {finding.title} (x{finding.count})\n"
            f"{finding.request} -> {finding.status}\n{finding.message}"
        )
    for summary in report.operations.values():
        name = f"{summary.operation_id} ({summary.method} {summary.path})"
        case = ET.SubElement(suite, "testcase", classname="olt-contract", name=name)
        found = by_operation.get(summary.operation_id)
        if found:
            failure = ET.SubElement(case, "failure", message=f"{len(found)} distinct failures", type="contract")
            failure.text = "\n\n".join(found)
        elif summary.not_simulated:
            ET.SubElement(case, "skipped", message="not simulated")
        elif not summary.requests:
            reason = f"{summary.refused} requests refused by safe mode" if summary.refused else "not exercised"
            ET.SubElement(case, "skipped", message=reason)
        elif not summary.reached and report.short:
            ET.SubElement(case, "failure", message="no success response reached", type="depth")
        statuses = " ".join(f"{k}x{v}" for k, v in sorted(summary.statuses.items()))
        ET.SubElement(case, "system-out").text = (
            f"success reached: {'yes' if summary.reached else 'no'}; requests: {summary.requests}; "
            f"statuses: {statuses}; checks: {', '.join(sorted(summary.checks)) or 'none'}"
        )
    if report.cleanup.left:
        case = ET.SubElement(suite, "testcase", classname="olt-contract", name="cleanup")
        ET.SubElement(case, "failure", message="resources left behind").text = "\n".join(report.cleanup.left)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4}tr.fail td{background:#fdecea}tr.skip td{color:#888}
pre{background:#f8f8f8;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere}
.ok{color:#1a7f37}.bad{color:#c62828}
"""


def html_page(report: Report) -> str:
    esc = html.escape
    verdict = f'<b class="{"ok" if report.ok else "bad"}">{html.escape(report.verdict())}</b>'
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>OLT contract run {esc(report.run_id)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>OLT contract run {esc(report.run_id)}: {verdict}</h1>",
        f"<p>{esc(report.base_url)} &middot; {esc(report.mode)} mode &middot; seed {report.seed} &middot; "
        f"{report.max_examples} examples &middot; {report.requests_total} requests in {report.duration:.1f}s &middot; "
        f"{len(report.findings)} distinct failures</p>",
        "<h2>Operations</h2><table><tr><th>operation</th><th>method</th><th>path</th><th>success reached</th>"
        "<th>requests</th><th>failures</th><th>statuses seen</th><th>checks run</th><th>note</th></tr>",
    ]
    for s in report.operations.values():
        note = "not simulated" if s.not_simulated else (f"{s.refused} refused (safe mode)" if s.refused else "")
        css = "fail" if s.failures else ("skip" if s.not_simulated or not s.requests else "")
        statuses = " ".join(f"{k}&times;{v}" for k, v in sorted(s.statuses.items()))
        parts.append(
            f"<tr class='{css}'><td>{esc(s.operation_id)}</td><td>{s.method}</td><td>{esc(s.path)}</td>"
            f"<td>{'yes' if s.reached else '<b class=bad>no</b>'}</td><td>{s.requests}</td><td>{s.failures}</td>"
            f"<td>{statuses}</td><td>{esc(', '.join(sorted(s.checks)))}</td><td>{esc(note)}</td></tr>"
        )
    parts.append("</table><h2>Failures</h2>")
    if not report.findings:
        parts.append("<p>None.</p>")
    for f in report.findings:
        parts.append(
            f"<h3>{esc(f.operation_id)}: {esc(f.title)} <small>[{esc(f.check)}] &times;{f.count}</small></h3>"
            f"<pre>{esc(f.request)} -> {f.status}\n\n{esc(f.message)}</pre>"
        )
    extra = [
        ("Checks not run", report.checks_not_run),
        ("Notes", report.notes),
        ("Deleted at cleanup", report.cleanup.deleted),
        ("Left behind", report.cleanup.left),
    ]
    for title, items in extra:
        if items:
            parts.append(f"<h2>{title}</h2><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(report: Report, options: Options) -> None:
    if options.junit_xml:
        Path(options.junit_xml).write_text(junit(report), encoding="utf-8")
    if options.report:
        path = Path(options.report)
        if path.suffix == ".json":
            path.write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
        else:
            path.write_text(html_page(report), encoding="utf-8")
