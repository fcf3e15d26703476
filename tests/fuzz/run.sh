#!/usr/bin/env bash
# A short coverage-guided fuzz session of both targets (atheris / libFuzzer).
#
#   bash tests/fuzz/run.sh              # 60 s per target
#   FUZZ_SECONDS=600 bash tests/fuzz/run.sh
#
# atheris is installed here, in a virtual environment of its own, never as a test
# dependency of the main suite.  Environment: FUZZ_SECONDS (per target, default 60),
# FUZZ_WORK (work directory: venv, seeds, corpora, crash artifacts; default a new
# temporary directory), FUZZ_VENV (reuse a virtual environment that has atheris and
# anxinma installed).  Exits non-zero when either target finds a crash (an undocumented
# exception, a green verdict or a loaded document for an input that is no signed seed,
# a non-deterministic encoding accepted), a timeout or an out-of-memory input; the
# input is kept as FUZZ_WORK/artifacts/<target>-crash-<sha1>.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
work="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/anxinma-fuzz.XXXXXX")}"
venv="${FUZZ_VENV:-$work/venv}"
mkdir -p "$work/artifacts"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "atheris>=2.3" "$repo"
fi

"$venv/bin/python" "$here/make_seeds.py" "$work/seeds"

status=0
for target in verify decoders; do
    max_len=1024
    [ "$target" = decoders ] && max_len=4096
    mkdir -p "$work/corpus/$target"
    log="$work/$target.log"
    echo "== fuzz_$target: $seconds s (log: $log)"
    if ! "$venv/bin/python" "$here/fuzz_$target.py" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$target-" \
        "$work/corpus/$target" "$work/seeds/$target" >"$log" 2>&1; then
        status=1
        echo "fuzz_$target FAILED:"
        grep -A25 -m1 "Uncaught Python exception\|ERROR: libFuzzer" "$log" || tail -25 "$log"
    fi
    runs="$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 || true)"
    echo "fuzz_$target: ${runs:-no final count (crashed)}; corpus $(find "$work/corpus/$target" -type f | wc -l) files"
done
crashes="$(find "$work/artifacts" -type f | wc -l)"
echo "crash artifacts: $crashes (in $work/artifacts)"
[ "$crashes" -eq 0 ] || status=1
exit "$status"
