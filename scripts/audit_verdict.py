"""Reads pip-audit and npm audit JSON reports and decides: fail only on a known vulnerability that has a fix.

Usage: audit_verdict.py pip REPORT.json [...]  |  audit_verdict.py npm REPORT.json
Prints one line per finding and exits 1 when something must be upgraded, 0 otherwise. A report in
which the vulnerability service could not be asked (packages "not audited") is said so loudly; it
fails only when AUDIT_REQUIRE_SERVICE=1, since an unreachable service is not a known vulnerability.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

BLOCKING_NPM_SEVERITIES = {"high", "critical"}


@dataclass
class Verdict:
    fixable: list[str] = field(default_factory=list)  # must be upgraded: fails the run
    unfixed: list[str] = field(default_factory=list)  # known, no fix published yet: reported only
    not_audited: list[str] = field(default_factory=list)  # the service could not be asked

    def exit_code(self, *, require_service: bool) -> int:
        if self.fixable or (require_service and self.not_audited):
            return 1
        return 0

    def lines(self) -> list[str]:
        out = [f"VULNERABLE (fix available): {item}" for item in self.fixable]
        out += [f"known vulnerability, no fix yet: {item}" for item in self.unfixed]
        if self.not_audited:
            out.append(f"NOT AUDITED ({len(self.not_audited)}): the vulnerability service could not be asked for: "
                       + ", ".join(self.not_audited))
        return out


def pip_verdict(report: dict) -> Verdict:
    """`pip-audit --format json`: {"dependencies": [{"name", "version", "vulns": [{"id", "fix_versions"}]} | {"name", "skip_reason"}]}."""
    verdict = Verdict()
    for dependency in report.get("dependencies", []):
        name = f"{dependency['name']}=={dependency.get('version', '?')}"
        if "skip_reason" in dependency:
            verdict.not_audited.append(dependency["name"])
            continue
        for vuln in dependency.get("vulns", []):
            ident = vuln["id"]
            if vuln.get("fix_versions"):
                verdict.fixable.append(f"{name} {ident} -> upgrade to {', '.join(vuln['fix_versions'])}")
            else:
                verdict.unfixed.append(f"{name} {ident}")
    return verdict


def npm_verdict(report: dict) -> Verdict:
    """`npm audit --json` (report version 2): {"vulnerabilities": {name: {"severity", "fixAvailable"}}},
    or {"error": ...} / {"message", "statusCode"} when the registry's audit endpoint did not answer."""
    verdict = Verdict()
    if "vulnerabilities" not in report:
        reason = report.get("message") or (report.get("error") or {}).get("summary") or "no audit report"
        verdict.not_audited.append(f"frontend dependencies ({reason})")
        return verdict
    for name, vuln in sorted(report["vulnerabilities"].items()):
        severity = vuln.get("severity", "unknown")
        if severity not in BLOCKING_NPM_SEVERITIES:
            continue
        fix = vuln.get("fixAvailable")
        item = f"{name} ({severity}, {vuln.get('range', '?')})"
        if fix:
            target = f" -> {fix['name']}@{fix['version']}" if isinstance(fix, dict) else " -> `npm audit fix`"
            verdict.fixable.append(item + target)
        else:
            verdict.unfixed.append(item)
    return verdict


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in {"pip", "npm"}:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    verdict = Verdict()
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError) as exc:
            print(f"audit: cannot read the {argv[1]} report {path}: {exc}", file=sys.stderr)
            return 2
        part = pip_verdict(report) if argv[1] == "pip" else npm_verdict(report)
        verdict.fixable += part.fixable
        verdict.unfixed += part.unfixed
        verdict.not_audited += [p for p in part.not_audited if p not in verdict.not_audited]
    for line in verdict.lines():
        print(f"[{argv[1]}] {line}")
    if not verdict.lines():
        print(f"[{argv[1]}] no known vulnerabilities")
    return verdict.exit_code(require_service=os.environ.get("AUDIT_REQUIRE_SERVICE") == "1")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
