#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: shows a BPF OOM policy at work in the test VM, against the kernel's own choice.
set -euo pipefail
cd "$(dirname "$0")/.."

exec scripts/vm-run --timeout 900 -- scripts/demo-guest.sh
