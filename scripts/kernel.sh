#!/usr/bin/env bash
# Builds a test kernel (linux-source-6.12 + one level's patches + config) into the cache.
# Usage: [OOMKIT_ABI=1|2] kernel.sh [--path]   (--path: only print the result directory)
#
# Level 1 (the default) applies selftests/kernel/patches, level 2
# selftests/kernel/level2 (docs/notes.md, "Level-2 test kernel"). The
# result, $CACHE/kernel-<key>/ or $CACHE/kernel-l2-<key>/ holding bzImage,
# vmlinux and .config, is keyed by the patches, the config fragment, the
# source version, the compiler and this script, and appears complete or not
# at all. Each level reuses one work tree ($CACHE/kernel-work,
# kernel-work-l2: a patched source copy and an O= object dir) between keys:
# only files whose content changed are rewritten, so a new patch revision
# rebuilds incrementally. Delete it to force a clean build.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kdir=$OOMKIT_ROOT/selftests/kernel
fragment=$kdir/config
case ${OOMKIT_ABI:-1} in
1) pdir=$kdir/patches prefix=kernel- wsuffix= ;;
2) pdir=$kdir/level2 prefix=kernel-l2- wsuffix=-l2 ;;
*) die "OOMKIT_ABI=$OOMKIT_ABI: the test kernel has levels 1 and 2" ;;
esac
shopt -s nullglob
patches=("$pdir"/*.patch)
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || die "no patches in ${pdir#"$OOMKIT_ROOT"/}"

# Asked outside the pipeline below, where a failure would go unseen and
# the key would hash an empty answer.
version=$(linux_src_version)
gcc_version=$(gcc --version) || die "gcc is missing: run scripts/deps.sh kernel as root"
pahole_version=$(pahole --version) || die "pahole is missing or broken: run scripts/deps.sh kernel as root"
key=$({
	echo "$LINUX_PKG $version"
	echo "${gcc_version%%$'\n'*}"
	echo "$pahole_version"
	for p in "${patches[@]}"; do
		echo "patch ${p##*/}"
		cat "$p"
	done
	echo config
	cat "$fragment"
	echo script
	cat "$0"
} | sha256sum | cut -c1-16)
out=$OOMKIT_CACHE/$prefix$key

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
work=$OOMKIT_CACHE/kernel-work$wsuffix
obj=$work/obj
rm -rf "$OOMKIT_CACHE"/kernel-*.tmp.*	# left by an interrupted build
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
kmake() { make -C "$work/src" O="$obj" V="$V" "$@"; }

# Patch a hard-linked copy of the pristine tree (patch replaces files, so the
# pristine copy is untouched), then sync it into the work tree by content.
say PATCH "${#patches[@]} patch(es) from ${pdir#"$OOMKIT_ROOT"/}"
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
ls -1dt "$OOMKIT_CACHE/$prefix"????????????????/ | tail -n +4 | xargs -r rm -rf
say KERNEL "$out (built in $(elapsed "$start"))"
echo "$out"
