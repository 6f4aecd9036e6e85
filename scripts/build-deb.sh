#!/usr/bin/env bash
# The Debian package, built by dpkg-buildpackage from a copy of the
# project's files (those git tracks, and new ones it does not ignore), so
# that nothing of build/ or of a local edit to ignored files gets in.
#   scripts/build-deb.sh DIR     (make deb: DIR is build/deb)
# DIR ends up holding vflow_VERSION_ARCH.deb, its -dbgsym package, the
# .buildinfo and .changes files, and build.log.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/build-deb.sh DIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd -P)
mkdir -p "$1"
out=$(cd "$1" && pwd -P)
version=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
src=$out/vflow-$version

rm -rf "$src" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$root" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp -P --parents -t "$src" -- 2>/dev/null) ||
		{ echo "build-deb: could not copy the tree into $src" >&2; exit 1; }
	# a file deleted but not yet committed is listed and missing: fine
else
	tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi

echo "  DEB      $out (dpkg-buildpackage -us -uc -b: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	echo "build-deb: dpkg-buildpackage failed; its last lines ($out/build.log):" >&2
	tail -20 "$out/build.log" >&2
	exit 1
fi
rm -rf "$src"
ls "$out"/*.deb
