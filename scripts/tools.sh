#!/usr/bin/env bash
# Builds static libbpf and bpftool from linux-source-6.12's tools/ into the cache.
# Usage: tools.sh [--path]   (--path: only print the directory)
# The directory holds lib/libbpf.a, include/{bpf,linux}/*.h and bin/bpftool, keyed
# by the linux-source package version and this script.
set -euo pipefail
. "$(dirname "$0")/common.sh"

key=$(linux_src_version)-$(sha256sum <"$0" | cut -c1-12)
dir=$OOMKIT_CACHE/tools-$key
if [ "${1:-}" = --path ]; then
	echo "$dir"
	exit 0
fi
[ -x "$dir/bin/bpftool" ] && exit 0

mkdir -p "$OOMKIT_CACHE"
exec 9>"$OOMKIT_CACHE/tools.lock"
flock 9
[ -x "$dir/bin/bpftool" ] && exit 0

src=$("$OOMKIT_ROOT/scripts/linux-src.sh")
rm -rf "$OOMKIT_CACHE"/tools-*.tmp.*	# left by an interrupted build
tmp=$(mktemp -d "$dir.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
jobs=$(($(nproc) + 1))
# clang-19 builds bpftool's own BPF skeletons; llvm-config-19 gives it a JIT disassembler.
llvm=(CLANG=clang-19 LLVM_STRIP=llvm-strip-19 LLVM_CONFIG=llvm-config-19)
start=$(now)

say LIBBPF "$dir/lib/libbpf.a"
mkdir -p "$tmp/obj/libbpf"
# The in-tree libbpf Makefile has no BUILD_STATIC_ONLY: name the archive as
# the target, like bpftool's own Makefile does.
run_logged "$tmp/libbpf.log" make -C "$src/tools/lib/bpf" -j"$jobs" V="$V" \
	OUTPUT="$tmp/obj/libbpf/" DESTDIR="$tmp" prefix= \
	"$tmp/obj/libbpf/libbpf.a" install_headers
install -D -m 644 "$tmp/obj/libbpf/libbpf.a" "$tmp/lib/libbpf.a"
# The 6.12 UAPI that libbpf is built against (bookworm's is 6.1: no struct_ops
# link info), ahead of /usr/include for user space built with -I include/.
install -D -m 644 -t "$tmp/include/linux" \
	"$src"/tools/include/uapi/linux/{bpf,bpf_common,btf}.h

say BPFTOOL "$dir/bin/bpftool"
mkdir -p "$tmp/obj/bpftool" "$tmp/bin"
run_logged "$tmp/bpftool.log" make -C "$src/tools/bpf/bpftool" -j"$jobs" V="$V" \
	OUTPUT="$tmp/obj/bpftool/" "${llvm[@]}"
cp "$tmp/obj/bpftool/bpftool" "$tmp/bin/bpftool"

rm -rf "$tmp/obj"
mv "$tmp"/*.log "$tmp/lib/"
mv "$tmp" "$dir"
trap - EXIT
ls -1dt "$OOMKIT_CACHE"/tools-*/ | grep -v '\.tmp\.' | tail -n +4 | xargs -r rm -rf
say TOOLS "built in $(elapsed "$start")"
