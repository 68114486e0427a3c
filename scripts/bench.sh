#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: builds the benchmark driver, runs it once in the test VM, keeps build/bench/results.json.
# Usage: scripts/bench.sh [oomkit-bench options]   (also: make bench BENCH_ARGS='...')
#   e.g. -r 3 (runs per figure), -n 10,100 (part 1's leaf counts), -p 1,3 (parts), -v
# BENCH_MEM (MiB, default 3072) and BENCH_TIMEOUT (s, default 5400) size the VM.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$OOMKIT_ROOT"

make -s build/bench/oomkit-bench build/oomkit
bpftool=$(scripts/tools.sh --path)/bin/bpftool
[ -x "$bpftool" ] || die "no bpftool at $bpftool: run 'make tools'"

# build/ is read-only in the guest; build/vm/scratch/ is shared read-write.
scratch=build/vm/scratch/bench
mkdir -p "$scratch" build/bench
rm -f "$scratch/results.json"

# 4000 tasks for part 1 and a ballast for part 2: more than the default 2 GiB.
# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
rc=0
scripts/vm-run --timeout "${BENCH_TIMEOUT:-5400}" --mem "${BENCH_MEM:-3072}" -- \
	scripts/bench-guest.sh --bpftool "$bpftool" -o "$OOMKIT_ROOT/$scratch/results.json" \
	${BENCH_ARGS:-} "$@" || rc=$?

if [ -f "$scratch/results.json" ]; then
	cp "$scratch/results.json" build/bench/results.json
	echo "results: build/bench/results.json"
fi
exit "$rc"
