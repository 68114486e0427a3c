#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every test suite (spdx-check, format-check and host_test on the host, the rest in one VM boot, abi2 and the policy and CLI suites again in a second one on the level-2 kernel) and ends with "N passed, N failed".
# Usage: check.sh                        (`make check` builds everything first)
#        check.sh --guest DIR SUITE...   (in the VM: run each suite, keep DIR/<suite>.{log,status})
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$OOMKIT_ROOT"

# run_suite DIR SUITE: run one runner, its output both shown and kept.
run_suite() {
	local name=${2##*/} rc
	echo "==== $name"
	set +e
	# Each test's hang guard: the 5000-leaf walk and the 50 concurrent
	# load rounds take up to ~4 min of a loaded host, near the runner's
	# default of 300 s.
	"$2" -T "${OOMKIT_TEST_TIMEOUT:-600}" 2>&1 | tee "$1/$name.log"
	rc=${PIPESTATUS[0]}
	set -e
	echo "$rc" >"$1/$name.status"
}

if [ "${1:-}" = --guest ]; then
	dir=$2
	shift 2
	for suite in "$@"; do
		run_suite "$dir" "$suite"
	done
	exit 0
fi

out=build/check
rm -rf "$out"
mkdir -p "$out"
passed=0 failed=0 skipped=0
report=()	# one line per suite, printed at the end

fail() {	# fail NAME WHY: one failed test that no runner counted
	failed=$((failed + 1))
	report+=("$(printf '  %-16s FAILED: %s' "$1" "$2")")
}

# count NAME [DIR [LABEL]]: add up the closing "N passed, N failed, N
# skipped" of runner NAME, whose log is in DIR (default: $out), reported as
# LABEL (default: NAME).
count() {
	local name=${3:-$1} dir=${2:-$out} log status line p f s
	log=$dir/$1.log
	status=$(cat "$dir/$1.status" 2>/dev/null || echo none)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" 2>/dev/null |
		tail -n 1 || true)
	if [ -z "$line" ]; then
		fail "$name" "no closing 'N passed, N failed, N skipped' line (exit $status)"
		return
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	report+=("$(printf '  %-16s passed %d  failed %d  skipped %d' "$name" "$p" "$f" "$s")")
	[ "$status" = 0 ] || [ "$f" != 0 ] || fail "$name" "exited $status after its summary"
}

# 1. On the host: the files' first lines (scripts/spdx-check), their format
# (scripts/format-check), then host_test.
if spdx=$(scripts/spdx-check); then
	passed=$((passed + 1))
	report+=("$(printf '  %-16s passed' spdx-check)")
else
	printf '%s\n' "$spdx" >&2
	fail spdx-check "$(wc -l <<<"$spdx") file(s) without their SPDX or purpose line"
fi
# ... and the C sources against the committed .clang-format
if fmt=$(scripts/format-check 2>&1); then
	passed=$((passed + 1))
	report+=("$(printf '  %-16s passed' format-check)")
else
	printf '%s\n' "$fmt" >&2
	fail format-check "$(wc -l <<<"$fmt") file(s) not formatted as .clang-format says"
fi
run_suite "$out" build/selftests/host_test
count host_test

# 2. In one VM boot: the ABI suite, the policy scenarios, then every other
# suite's build/selftests/<suite>_test (see the Makefile) but the host's and
# the level-2 one's.
vm_suites=(build/selftests/abi_test build/selftests/policies_test)
for d in selftests/*/; do
	d=${d%/}
	case ${d##*/} in abi | policies | host | lib | kernel | abi2) continue ;; esac
	vm_suites+=("build/selftests/${d##*/}_test")
done

mkdir -p build/vm/scratch
guest=$(mktemp -d build/vm/scratch/check.XXXXXX)
vm_rc=0
# 1 GiB: enough for every scenario, and half the time a global OOM takes to
# fill the guest under software emulation.
scripts/vm-run --timeout "${OOMKIT_CHECK_TIMEOUT:-3000}" --mem 1024 --logs "$out" -- \
	scripts/check.sh --guest "$guest" "${vm_suites[@]}" || vm_rc=$?
cp "$guest"/* "$out"/ 2>/dev/null || true
rm -rf "$guest"
for t in "${vm_suites[@]}"; do
	count "${t##*/}"
done
[ "$vm_rc" = 0 ] || fail vm "scripts/vm-run failed with exit $vm_rc (see $out/console.log)"

# 3. The guest kernel log must be clean (scripts/dmesg-check says what that
# means).
dmesg_clean() {	# dmesg_clean NAME LOG
	local bad
	if [ ! -f "$2" ]; then
		fail "$1" "no guest dmesg (the VM did not finish)"
	elif ! bad=$(scripts/dmesg-check "$2"); then
		echo "check: the guest kernel log ($2) has:" >&2
		head -n 40 <<<"$bad" >&2
		fail "$1" "$(wc -l <<<"$bad") suspicious kernel log line(s)"
	else
		passed=$((passed + 1))
		report+=("$(printf '  %-16s passed' "$1")")
	fi
}
dmesg_clean dmesg-clean "$out/dmesg.log"

# 4. On the level-2 kernel (OOMKIT_ABI=2, see scripts/kernel.sh), in a
# boot of its own with its logs and dmesg check in build/check/l2/: the
# level-2 ABI suite (selftests/abi2), then the policy scenarios and the
# CLI suite of step 2 again, counted as <suite>-l2.
l2_suites=(build/selftests/abi2_test build/selftests/policies_test
	build/selftests/cli_test)
guest=$(mktemp -d build/vm/scratch/check.XXXXXX)
vm_rc=0
OOMKIT_ABI=2 scripts/vm-run --timeout "${OOMKIT_CHECK_TIMEOUT:-3000}" --mem 1024 \
	--logs "$out/l2" -- scripts/check.sh --guest "$guest" "${l2_suites[@]}" ||
	vm_rc=$?
cp "$guest"/* "$out/l2"/ 2>/dev/null || true
rm -rf "$guest"
count abi2_test "$out/l2"
count policies_test "$out/l2" policies_test-l2
count cli_test "$out/l2" cli_test-l2
[ "$vm_rc" = 0 ] || fail vm-l2 "OOMKIT_ABI=2 scripts/vm-run failed with exit $vm_rc (see $out/l2/console.log)"
dmesg_clean dmesg-clean-l2 "$out/l2/dmesg.log"

echo "==== summary (logs in $out/)"
printf '%s\n' "${report[@]}"
[ "$skipped" = 0 ] || echo "  ($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
