#!/usr/bin/env bash
# Builds the test kernel (linux-source-6.12 + selftests/kernel/patches + config) into the cache.
# Usage: kernel.sh [--path]   (--path: only print the result directory)
#
# The result, $CACHE/kernel-<key>/{bzImage,vmlinux,.config}, is keyed by the
# patches, the config fragment, the source version, the compiler and this
# script, and appears complete or not at all. One work tree ($CACHE/kernel-work:
# a patched source copy and an O= object dir) is reused between keys: only the
# files whose content changed are rewritten, so a new patch revision rebuilds
# incrementally. Delete it to force a clean build.
# # L2
# OOMKIT_ABI=2 builds the level-2 kernel (docs/notes.md, "Level-2 test # L2
# kernel") from selftests/kernel/level2 instead, into kernel-l2-<key> # L2
# with its own work tree, kernel-work-l2. Level 1's key hashes this # L2
# script without its level-2 lines (those ending in "# L2"; a line # L2
# starting with "#L1" is level 1's original of the line after it), so # L2
# adding level 2 did not change level 1's key. # L2
set -euo pipefail
. "$(dirname "$0")/common.sh"

kdir=$OOMKIT_ROOT/selftests/kernel
fragment=$kdir/config
shopt -s nullglob
patches=("$kdir"/patches/*.patch)
shopt -u nullglob
level=${OOMKIT_ABI:-1} # L2
case $level in # L2
1) pdir=$kdir/patches prefix=kernel- wsuffix= ;; # L2
2) pdir=$kdir/level2 prefix=kernel-l2- wsuffix=-l2 # L2
	shopt -s nullglob # L2
	patches=("$pdir"/*.patch) # L2
	shopt -u nullglob # L2
	[ ${#patches[@]} -gt 0 ] || die "no patches in ${pdir#"$OOMKIT_ROOT"/}" ;; # L2
*) die "OOMKIT_ABI=$level: the test kernel has levels 1 and 2" ;; # L2
esac # L2
script_text() { # L2
	if [ "$level" = 1 ]; then # L2
		sed -e '/ # L2$/d' -e 's/^#L1//' "$0" # L2
	else # L2
		cat "$0" # L2
	fi # L2
} # L2

key=$({
	echo "$LINUX_PKG $(linux_src_version)"
	gcc --version | head -n 1
	pahole --version
	for p in "${patches[@]}"; do
		echo "patch ${p##*/}"
		cat "$p"
	done
	echo config
	cat "$fragment"
	echo script
#L1	cat "$0"
	script_text # L2
} | sha256sum | cut -c1-16)
#L1out=$OOMKIT_CACHE/kernel-$key
out=$OOMKIT_CACHE/$prefix$key # L2

if [ "${1:-}" = --path ]; then
	echo "$out"
	exit 0
fi

start=$(now)
if [ ! -f "$out/bzImage" ]; then
	mkdir -p "$OOMKIT_CACHE"
	exec 9>"$OOMKIT_CACHE/kernel.lock"
	flock 9
fi
if [ -f "$out/bzImage" ]; then
	say KERNEL "$out (cached, warm: $(elapsed "$start"))"
	echo "$out"
	exit 0
fi

src=$("$OOMKIT_ROOT/scripts/linux-src.sh")
#L1work=$OOMKIT_CACHE/kernel-work
work=$OOMKIT_CACHE/kernel-work$wsuffix # L2
obj=$work/obj
rm -rf "$OOMKIT_CACHE"/kernel-*.tmp.*	# left by an interrupted build
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
kmake() { make -C "$work/src" O="$obj" V="$V" "$@"; }

# Patch a hard-linked copy of the pristine tree (patch replaces files, so the
# pristine copy is untouched), then sync it into the work tree by content.
#L1say PATCH "${#patches[@]} patch(es) from selftests/kernel/patches"
say PATCH "${#patches[@]} patch(es) from ${pdir#"$OOMKIT_ROOT"/}" # L2
mkdir "$tmp/src"
cp -al "$src/." "$tmp/src/"
for p in "${patches[@]}"; do
	patch -d "$tmp/src" -p1 -N --batch -s <"$p" >"$tmp/patch.log" 2>&1 || {
		cat "$tmp/patch.log" >&2
		die "patch ${p#"$OOMKIT_ROOT"/} does not apply"
	}
done
mkdir -p "$work/src" "$obj"
rsync -rlpc --delete "$tmp/src/" "$work/src/"
rm -rf "$tmp/src"

say CONFIG "tinyconfig + ${fragment#"$OOMKIT_ROOT"/}"
run_logged "$tmp/config.log" kmake tinyconfig
# (merge_config.sh leaves its temporary files in the current directory)
(cd "$obj" && run_logged "$tmp/merge.log" "$work/src/scripts/kconfig/merge_config.sh" \
	-m -O "$obj" "$obj/.config" "$fragment")
run_logged "$tmp/olddefconfig.log" kmake olddefconfig

# Every line of the fragment must have taken effect.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) opt=${line%%=*} want=${line#*=} ;;
	"# CONFIG_"*" is not set") opt=${line#\# } opt=${opt%% *} want=n ;;
	*) continue ;;
	esac
	if [ "$want" = n ]; then
		! grep -q "^$opt=" "$obj/.config" && continue
	else
		grep -qxF "$opt=$want" "$obj/.config" && continue
	fi
	got=$(grep -E "^(# )?$opt[= ]" "$obj/.config" || echo "absent")
	echo "kernel.sh: $opt=$want did not take effect (.config: $got)" >&2
	bad=1
done <"$fragment"
[ "$bad" = 0 ] || die "config fragment not applied; see $obj/.config"

jobs=$(($(nproc) + 1))
say BUILD "bzImage with -j$jobs in $work (cold: ~15 min)"
run_logged "$tmp/build.log" kmake -j"$jobs" bzImage

cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$obj/.config" "$tmp/"
[ -e "$out" ] || mv -T "$tmp" "$out"	# (unless put there by hand meanwhile)

# Keep the three most recent kernels.
#L1ls -1dt "$OOMKIT_CACHE"/kernel-????????????????/ | tail -n +4 | xargs -r rm -rf
ls -1dt "$OOMKIT_CACHE/$prefix"????????????????/ | tail -n +4 | xargs -r rm -rf # L2
say KERNEL "$out (built in $(elapsed "$start"))"
echo "$out"
