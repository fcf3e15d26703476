#!/usr/bin/env bash
# The revocation story through the command line, as an issuer and a verifier would tell it
# (spec §15.3).  Everything happens in a temporary directory that is removed at the end.
#
#   bash examples/revocation.sh            # uses `anxinma` on PATH; ANXINMA=/path/to/anxinma overrides
#
# root and issuer key pairs -> trust list -> status list -> a code recorded in the issuer
# database -> verify green -> suspend, publish, verify red (suspended) -> reinstate, green ->
# revoke, red (revoked) -> reinstating a revoked card is refused (revocation is final).  The
# script stops with exit 1 as soon as a verdict is not the expected one.
set -euo pipefail

AXM=${ANXINMA:-anxinma}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ anxinma %s\n' "$*"; "$AXM" "$@"; }

# verify_expect EXIT REASON: verify the code with the trust list and status list; the exit
# status must be EXIT (0 green, 1 red) and, when REASON is given, the output must name it.
verify_expect() {
    local want=$1 reason=${2:-} out rc
    printf '$ anxinma verify "$CODE" --trust trust.cwt --root root.pub.pem --status status-0.cwt\n'
    set +e
    out=$("$AXM" verify "$CODE" --trust trust.cwt --root root.pub.pem --status status-0.cwt)
    rc=$?
    set -e
    printf '%s\n' "$out" | grep -E '^(GREEN|YELLOW|RED)|Issuer|Status|Reasons' || true
    if [ "$rc" != "$want" ] || { [ -n "$reason" ] && ! grep -q "$reason" <<<"$out"; }; then
        echo "UNEXPECTED: exit $rc (expected $want${reason:+, reason $reason})" >&2
        exit 1
    fi
}

step "1. The root and the Ningbo issuer make their key pairs"
run keygen --out-dir . --name root
run keygen --out-dir . --name nb

step "2. The root lists the issuer and signs the trust list"
run trust init --out trust.json
run trust add trust.json --issuer nb --name 宁波市家政服务中心 --regions 3302 --pub nb.pub.pem
run trust sign trust.json --root-key root.key.pem --out trust.cwt

step "3. The issuer creates status list 0 and issues a code recorded in its database"
# A worker record whose health exam and insurance run to the end of next year.
next_year=$(( $(date +%Y) + 1 ))
cat > worker.json <<EOF
{"name": "王秀英", "id_number": "330203198503150020", "card_no": "NB2021000123",
 "enterprise_uscc": "91330203MA2H123450", "region": "330203",
 "services": ["housekeeping", "infant_care", "elderly_care"], "identity_verified": true,
 "background_check": {"result": "clear", "checked_on": "2020-10-12"},
 "health_exam_valid_until": "$next_year-12-31", "insurance_valid_until": "$next_year-12-31"}
EOF
run status new --db issuer.db
printf '$ anxinma issue worker.json --key nb.key.pem --db issuer.db\n'
CODE=$("$AXM" issue worker.json --key nb.key.pem --db issuer.db)
echo "$CODE"
publish() { run status publish --db issuer.db --key nb.key.pem --issuer nb --out status-0.cwt; }
publish

step "4. A verifier at the door: green, status checked"
verify_expect 0 "checked"

step "5. The issuer suspends the card and publishes the list: red, suspended"
run status suspend --db issuer.db NB2021000123
publish
verify_expect 1 suspended

step "6. Reinstated: green again"
run status reinstate --db issuer.db NB2021000123
publish
verify_expect 0 "checked"

step "7. Revoked: red, revoked; revocation is final (reinstate is refused, exit 2)"
run status revoke --db issuer.db NB2021000123
publish
verify_expect 1 revoked
printf '$ anxinma status reinstate --db issuer.db NB2021000123\n'
set +e
"$AXM" status reinstate --db issuer.db NB2021000123
rc=$?
set -e
if [ "$rc" != 2 ]; then
    echo "UNEXPECTED: reinstating a revoked card exited $rc (expected 2)" >&2
    exit 1
fi
run status show status-0.cwt --trust trust.cwt --root root.pub.pem

printf '\nthe revocation story ran as expected\n'
