#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prints the pristine linux-source-6.12 tree in the cache, unpacking the tarball once.
set -euo pipefail
. "$(dirname "$0")/common.sh"

ver=$(linux_src_version)
top=$OOMKIT_CACHE/src
dir=$top/$LINUX_PKG-$ver

if [ ! -d "$dir" ]; then
	mkdir -p "$top"
	exec 9>"$top/.lock"
	flock 9
	if [ ! -d "$dir" ]; then
		rm -rf "$top"/*.tmp.*	# left by an interrupted unpack
		start=$(now)
		say UNPACK "$LINUX_TARBALL"
		tmp=$(mktemp -d "$dir.tmp.XXXXXX")
		tar -xf "$LINUX_TARBALL" -C "$tmp"
		[ -f "$tmp/$LINUX_PKG/Makefile" ] || die "unexpected layout in $LINUX_TARBALL"
		mv -T "$tmp/$LINUX_PKG" "$dir"
		rmdir "$tmp"
		say UNPACK "done in $(elapsed "$start")"
	fi
fi
echo "$dir"
