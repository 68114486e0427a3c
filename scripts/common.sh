# SPDX-License-Identifier: GPL-2.0
# Shared by oomkit's build scripts (sourced): repo root, cache location, source version, logging.

OOMKIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OOMKIT_CACHE=${OOMKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oomkit}
LINUX_PKG=linux-source-6.12
LINUX_TARBALL=/usr/src/$LINUX_PKG.tar.xz
V=${V:-0}
# Called from make recipes: our sub-makes take their own -j and V, not the
# caller's jobserver (which a plain script cannot use).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

die() { echo "${0##*/}: $*" >&2; exit 1; }

# Kernel-tools style progress line: "  LABEL   what"; quiet unless it matters.
say() { printf '  %-8s %s\n' "$1" "$2" >&2; }

# Run a command, its output shown with V=1 and otherwise only if it fails.
run_logged() {
	local log=$1; shift
	if [ "$V" = 1 ]; then
		"$@" 2>&1 | tee "$log"
		return "${PIPESTATUS[0]}"
	fi
	"$@" >"$log" 2>&1 || {
		local rc=$?
		tail -n 40 "$log" >&2
		echo "${0##*/}: failed ($rc): $*; full log: $log" >&2
		return "$rc"
	}
}

# The installed linux-source package version, made safe for a path (~ -> _).
linux_src_version() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$LINUX_PKG" 2>/dev/null) ||
		die "$LINUX_PKG is not installed: run scripts/deps.sh as root"
	echo "${v//\~/_}"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
