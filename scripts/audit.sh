#!/usr/bin/env bash
# Known-vulnerability audit of our dependencies; fails only on a vulnerability that has a fix.
#
#   Python: pip-audit over the pinned requirements (requirements.txt, and requirements-dev.txt which
#           includes it) and over the installed virtualenv (the transitive versions really in use),
#           asking PyPI's vulnerability service.
#   Frontend: npm audit over frontend/package-lock.json; high and critical findings count.
#
# Exit 1 when something must be upgraded, 0 otherwise. When a vulnerability service cannot be reached
# the script says which packages were NOT audited; AUDIT_REQUIRE_SERVICE=1 makes that fail as well.
set -uo pipefail

cd "$(dirname "$0")/.."
VENV_BIN="${VENV_BIN:-.venv/bin}"
PY="$VENV_BIN/python"
PIP_AUDIT="$VENV_BIN/pip-audit"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ ! -x "$PIP_AUDIT" ]]; then
    echo "audit: $PIP_AUDIT not found: install requirements-dev.txt (make install-dev)" >&2
    exit 2
fi

status=0

echo "audit: Python requirements (pinned) ..."
"$PIP_AUDIT" --requirement requirements-dev.txt --no-deps --vulnerability-service pypi \
    --format json --output "$WORK/pip-pinned.json" --progress-spinner off >"$WORK/pip-pinned.log" 2>&1
echo "audit: Python virtualenv (transitive dependencies) ..."
"$PIP_AUDIT" --vulnerability-service pypi \
    --format json --output "$WORK/pip-env.json" --progress-spinner off >"$WORK/pip-env.log" 2>&1
for report in pip-pinned pip-env; do
    if [[ ! -s "$WORK/$report.json" ]]; then
        echo "audit: pip-audit produced no report:" >&2
        cat "$WORK/$report.log" >&2
        exit 2
    fi
done
"$PY" scripts/audit_verdict.py pip "$WORK/pip-pinned.json" "$WORK/pip-env.json" || status=1

if [[ -f frontend/package-lock.json ]]; then
    echo "audit: frontend (npm) ..."
    (cd frontend && npm audit --audit-level=high --json >"$WORK/npm.json" 2>"$WORK/npm.log")
    if [[ ! -s "$WORK/npm.json" ]]; then
        echo "audit: npm audit produced no report:" >&2
        cat "$WORK/npm.log" >&2
        exit 2
    fi
    "$PY" scripts/audit_verdict.py npm "$WORK/npm.json" || status=1
fi

if [[ $status -ne 0 ]]; then
    echo "audit: FAILED: upgrade the packages marked VULNERABLE above" >&2
fi
exit $status
