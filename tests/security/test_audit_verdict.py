"""scripts/audit_verdict.py: which audit findings fail `make test` (known + fixable) and which only warn."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from audit_verdict import npm_verdict, pip_verdict  # noqa: E402

PIP_REPORT = {
    "dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"], "aliases": []}]},
        {"name": "oldlib", "version": "1.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": [], "aliases": []}]},
        {"name": "clean", "version": "2.0", "vulns": []},
        {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}

NPM_REPORT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "vite": {"name": "vite", "severity": "high", "range": "<5.4.6", "fixAvailable": {"name": "vite", "version": "5.4.6", "isSemVerMajor": False}},
        "esbuild": {"name": "esbuild", "severity": "critical", "range": "<0.25", "fixAvailable": True},
        "nofix": {"name": "nofix", "severity": "high", "range": "*", "fixAvailable": False},
        "minor": {"name": "minor", "severity": "moderate", "range": "*", "fixAvailable": True},
    },
    "metadata": {},
}


def test_pip_fails_only_on_fixable_vulnerabilities():
    verdict = pip_verdict(PIP_REPORT)
    assert verdict.fixable == ["django==5.2.0 PYSEC-1 -> upgrade to 5.2.1"]
    assert verdict.unfixed == ["oldlib==1.0 GHSA-xxxx"]
    assert verdict.not_audited == ["private-pkg"]
    assert verdict.exit_code(require_service=False) == 1
    clean = pip_verdict({"dependencies": [d for d in PIP_REPORT["dependencies"] if d["name"] != "django"]})
    assert clean.exit_code(require_service=False) == 0
    assert clean.exit_code(require_service=True) == 1  # strict mode: an unaudited package fails too


def test_npm_fails_on_high_or_critical_with_a_fix_only():
    verdict = npm_verdict(NPM_REPORT)
    assert verdict.fixable == ["esbuild (critical, <0.25) -> `npm audit fix`", "vite (high, <5.4.6) -> vite@5.4.6"]
    assert verdict.unfixed == ["nofix (high, *)"]
    assert verdict.exit_code(require_service=False) == 1


def test_npm_unreachable_audit_endpoint_is_reported_not_passed_silently():
    verdict = npm_verdict({"message": "405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk", "statusCode": 405})
    assert verdict.fixable == [] and len(verdict.not_audited) == 1
    assert any(line.startswith("NOT AUDITED") for line in verdict.lines())
    assert verdict.exit_code(require_service=False) == 0
    assert verdict.exit_code(require_service=True) == 1


@pytest.mark.parametrize("kind,report,code", [("pip", PIP_REPORT, 1), ("npm", {"vulnerabilities": {}}, 0)])
def test_command_line(tmp_path, kind, report, code):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "audit_verdict.py"), kind, str(path)], capture_output=True, text=True)
    assert result.returncode == code, result.stdout + result.stderr
    if code:
        assert "VULNERABLE (fix available): django==5.2.0" in result.stdout
    else:
        assert "no known vulnerabilities" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "audit_verdict.py"), kind, str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and "cannot read" in result.stderr
