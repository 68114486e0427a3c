#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (see bench.sh): prepares the guest and runs build/bench/oomkit-bench.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# OOM reports stay in dmesg (saved to build/vm/dmesg.log), off the serial
# console: under emulation each console line costs milliseconds, and the
# kernel prints the report while it holds the OOM lock.
echo 1 >/proc/sys/kernel/printk

exec "$root/build/bench/oomkit-bench" --oomkit "$root/build/oomkit" \
	--policy-dir "$root/build/policies" "$@"
