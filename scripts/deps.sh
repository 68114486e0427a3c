#!/usr/bin/env bash
# Installs the Debian (bookworm) packages oomkit needs, as root; a quick no-op when all are there.
set -euo pipefail

pkgs=(
	make gcc g++ libc6-dev pkg-config patch rsync xz-utils util-linux
	clang-19 llvm-19 llvm-19-dev lld-19	# BPF; llvm-19-dev: bpftool's disassembler
	libelf-dev zlib1g-dev libcap-dev	# libbpf, bpftool
	libinih-dev				# oomkit.conf
	linux-source-6.12 pahole bc flex bison libssl-dev cpio kmod	# test kernel
	qemu-system-x86 busybox-static		# test VM
	earlyoom python3			# demo, bench
)

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
apt-get install -y -qq "${missing[@]}"
