#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian (bookworm) packages a purpose needs, as root; a quick no-op when all are there.
# Usage: deps.sh [PURPOSE...]   (default: all)
#   build   the CLI, the BPF objects, libbpf and bpftool (from linux-source-6.12)
#   kernel  the test kernel (scripts/kernel.sh)
#   vm      the test VM (scripts/vm-run)
#   demo    make demo (its memory hog is a python3 script)
#   bench   make bench (earlyoom, the comparison)
#   all     every one of them
# make asks for what each target needs: check for build kernel vm, demo and
# bench for their own on top.
#
# earlyoom's package starts and enables its daemon. The benchmark runs its
# own earlyoom in the test VM and only needs the binary: a machine-wide
# daemon would kill the user's processes by its own rules. So when deps.sh
# installs it, the daemon is kept from starting during the install (a
# policy-rc.d, unless the machine has its own) and disabled right after.
set -euo pipefail

# Not here: lld-19 (nothing links with it: bpftool's static linker makes
# the BPF objects, gcc's ld the rest) and llvm-19-dev with g++ (they only
# give bpftool a JIT disassembler, "prog dump jited", which nothing uses;
# bpftool's Makefile detects them and builds without one).
build=(make gcc libc6-dev pkg-config util-linux xz-utils linux-source-6.12
	clang-19 llvm-19 clang-format-19	# BPF (llvm-strip-19); the format check
	libelf-dev zlib1g-dev libcap-dev	# libbpf, bpftool
	libinih-dev				# oomkit.conf
	libsystemd-dev systemd)			# events --journal; the unit check (systemd-analyze)
kernel=(linux-source-6.12 xz-utils patch rsync make gcc libc6-dev libelf-dev
	pahole bc flex bison libssl-dev cpio kmod)
vm=(qemu-system-x86 busybox-static
	attr)					# setfattr, in the annotation scenarios
demo=(python3)
bench=(earlyoom)

pkgs=()
for purpose in "${@:-all}"; do
	case $purpose in
	build) pkgs+=("${build[@]}") ;;
	kernel) pkgs+=("${kernel[@]}") ;;
	vm) pkgs+=("${vm[@]}") ;;
	demo) pkgs+=("${demo[@]}") ;;
	bench) pkgs+=("${bench[@]}") ;;
	all) pkgs+=("${build[@]}" "${kernel[@]}" "${vm[@]}" "${demo[@]}" "${bench[@]}") ;;
	*)
		echo "usage: deps.sh [build|kernel|vm|demo|bench|all]..." >&2
		exit 2
		;;
	esac
done
mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)

# dpkg-query names only the packages it knows; the others count as missing.
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${pkgs[@]}" 2>/dev/null |
	awk '$1 == "ii" { print $2 }' || true)
missing=()
for p in "${pkgs[@]}"; do
	grep -qxF "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root to install them" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq

if [[ " ${missing[*]} " != *" earlyoom "* ]]; then
	apt-get install -y -qq "${missing[@]}"
	exit 0
fi

# invoke-rc.d asks /usr/sbin/policy-rc.d before it starts a service; 101
# means "not allowed". Only our own copy is removed afterwards.
rcd=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$rcd" ]; then
	printf '#!/bin/sh\n# deps.sh: no daemon starts while it installs.\nexit 101\n' >"$rcd"
	chmod 755 "$rcd"
	ours=1
	trap 'rm -f "$rcd"' EXIT
fi
apt-get install -y -qq "${missing[@]}"
if [ -d /run/systemd/system ]; then
	systemctl disable --now earlyoom.service
else
	systemctl disable earlyoom.service 2>/dev/null || true	# the unit's link, for the next boot
	service earlyoom stop 2>/dev/null || true
	update-rc.d earlyoom disable 2>/dev/null || true
fi
[ -z "$ours" ] || { rm -f "$rcd"; trap - EXIT; }
echo "deps.sh: installed earlyoom for the benchmark; its daemon is stopped and disabled" >&2
