#!/usr/bin/env bash
# Independent COSE cross-check: pycose verifies codes issued by anxinma.
#
#   bash tests/crosscheck/run.sh
#
# 1. makes a virtual environment of its own ($CROSSCHECK_VENV if set and kept,
#    else a temporary one) with pinned pycose 1.1.0 and cbor2 5.9.0: pycose 1.1.0
#    breaks on cbor2 6 (TimothyClaeys/pycose#141), which anxinma itself uses;
# 2. export.py, run by the main interpreter (`python` on PATH now, or $PYTHON),
#    issues the codes with the demo key;
# 3. check.py, run in the other environment without anxinma, verifies them;
# 4. self-test: an export with one broken signature must make check.py fail.
# Exits non-zero if any step fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
venv="${CROSSCHECK_VENV:-$work/venv}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -m pip install --disable-pip-version-check "pycose==1.1.0" "cbor2==5.9.0" \
    >"$work/pip.log" 2>&1; then
    cat "$work/pip.log" >&2
    echo "crosscheck: could not install pycose 1.1.0 and cbor2 5.9.0 into $venv" >&2
    exit 1
fi
if "$venv/bin/python" -c "import anxinma" 2>/dev/null; then
    echo "crosscheck: anxinma is importable in $venv; the check must be independent" >&2
    exit 1
fi

"$python" "$here/export.py" "$work/codes.json"
"$venv/bin/python" "$here/check.py" "$work/codes.json" --private-key "$root/keys/demo-issuer.key.pem"

"$python" "$here/export.py" "$work/tampered.json" --tamper >/dev/null
status=0
"$venv/bin/python" "$here/check.py" "$work/tampered.json" >"$work/tampered.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || ! grep -q "FAIL pycose verifies the signature" "$work/tampered.log"; then
    cat "$work/tampered.log"
    echo "crosscheck: self-test FAILED: check.py did not reject the broken signature (exit $status)" >&2
    exit 1
fi
echo "crosscheck self-test: the code with a broken signature was rejected (check.py exit 1: $(tail -n 1 "$work/tampered.log"))"
