#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (see demo.sh): the same memcg OOM, first with the kernel's killer, then with biggest-cgroup.
#
# /sys/fs/cgroup/demo (memory.max 300 MiB, no swap) holds
#   batch/  four workers of 40 MiB each, memory.oom.group=1  (160 MiB)
#   web/    one server at 100 MiB that then asks for 80 MiB more
# The web server's growth hits the limit. The kernel kills the largest
# process, the web server. biggest-cgroup kills in the largest cgroup,
# the batch job, as a whole group, and the web server survives.
set -euo pipefail

oomkit=$PWD/build/oomkit
root=/sys/fs/cgroup/demo
MiB=$((1 << 20))

say() { printf '\n== %s\n' "$*"; }

# A process holding $2 MiB in cgroup $1; with $3, it grows to $3 MiB later.
# Started from a subshell so this shell reports no "Killed" jobs.
hog() {
	( python3 "$hog_py" "$root/$1" "$2" "${3:-$2}" & )
}

hog_py=/tmp/demo-hog.py
cat >"$hog_py" <<'PY'
import os, sys, time
cg, mib, grow_to = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
held = [b"\1" * (mib << 20)]
time.sleep(1)
for _ in range(grow_to - mib):
    held.append(b"\1" * (1 << 20))
    time.sleep(0.01)
time.sleep(3600)
PY

# Wait until cgroup $1 has $2 tasks (python starts slowly in the VM).
wait_tasks() {
	local i

	for i in $(seq 240); do
		[ "$(wc -l <"$root/$1/cgroup.procs")" -ge "$2" ] && return 0
		sleep 0.5
	done
	echo "demo: $1 did not get its $2 tasks" >&2
	return 1
}

setup() {
	rmdir "$root"/batch "$root"/web "$root" 2>/dev/null || true
	mkdir -p "$root"
	echo 300M >"$root/memory.max"
	echo 0 >"$root/memory.swap.max"
	echo +memory >"$root/cgroup.subtree_control"
	mkdir "$root/batch" "$root/web"
	echo 1 >"$root/batch/memory.oom.group"
	for i in 1 2 3 4; do
		hog batch 40
	done
	wait_tasks batch 4
	hog web 100 180
	wait_tasks web 1
}

# Wait for the OOM kill and for the victims to be gone.
settle() {
	local i

	for i in $(seq 240); do
		if [ "$(awk '$1 == "oom_kill" { print $2 }' \
			"$root/memory.events")" -gt 0 ]; then
			sleep 3
			return 0
		fi
		sleep 0.5
	done
	echo "demo: no OOM kill within 120 s" >&2
	return 1
}

# Prints the cgroups that lost tasks, then the details.
report() {
	local cg victims=

	for cg in batch web; do
		[ "$(awk '$1 == "oom_kill" { print $2 }' \
			"$root/$cg/memory.events")" -gt 0 ] && victims+=" $cg"
	done
	echo "  killed in:$victims"
	for cg in batch web; do
		printf '  %-6s tasks=%s  memory.events: %s\n' "$cg" \
			"$(wc -l <"$root/$cg/cgroup.procs")" \
			"$(grep -E '^oom_(kill|group_kill) ' "$root/$cg/memory.events" |
			   tr '\n' ' ')"
	done
	echo "  kernel log:"
	dmesg | sed -n "$((mark + 1)),\$p" |
		grep -E 'invoked oom-killer|oom_policy=|Killed process|oom-kill:constraint' |
		sed 's/^/    /' || true
}

teardown() {
	local cg
	for cg in batch web; do
		[ -d "$root/$cg" ] && echo 1 >"$root/$cg/cgroup.kill"
	done
	sleep 1
	rmdir "$root"/batch "$root"/web "$root" 2>/dev/null || true
}

say "1. The kernel's own OOM killer"
mark=$(dmesg | wc -l)
setup
settle
report
teardown

say "2. The biggest-cgroup policy"
"$oomkit" policy load biggest-cgroup
"$oomkit" events --count 1 --timeout 120 >/tmp/events.txt &
events=$!
sleep 1
mark=$(dmesg | wc -l)
setup
settle
report
wait "$events" || true
echo "  oomkit events:"
sed 's/^/    /' /tmp/events.txt
echo "  oomkit policy show:"
"$oomkit" policy show | sed 's/^/    /'
teardown
"$oomkit" policy unload biggest-cgroup
