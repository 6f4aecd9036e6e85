#!/usr/bin/env bash
# The Debian package (make deb), checked by lintian and installed as an
# administrator would, with apt, into a fresh Debian root: a copy-on-write
# overlay of the root scripts/base-rootfs.sh made by debootstrap, in a
# mount namespace of its own, so that nothing on this machine changes
# (other tests read /etc/vflow). There: the installed vflowd runs, the
# unit is in place and not enabled, man finds each page with every option
# of --help, bash-completion's loader finds the installed completion, and
# apt-get purge leaves no file of the package behind.
# make test-package builds the .deb and runs this.
. "$(dirname "$0")/../lib.sh"

NAMES=("lintian: no error or warning, every tag explained in docs/PACKAGING.md"
       "debian/: the version of VERSION, Build-Depends the build's packages of scripts/deps.sh"
       "apt-get install ./vflow_*.deb in a fresh Debian root: its dependencies resolved"
       "installed vflowd --version, vflowtop and vflowdump --version"
       "the unit in /lib/systemd/system, ExecStart /usr/sbin/vflowd, not enabled"
       "man vflowd, vflowtop, vflowdump: each page there, every option of --help in it"
       "completion: bash-completion's loader finds it for each program, options and values"
       "apt-get purge vflow: no file of the package left, /etc/vflow gone")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (mount namespace, overlay, chroot)" "${NAMES[@]}"
for tool in lintian dpkg-parsechangelog debootstrap; do
	command -v "$tool" >/dev/null ||
		skip_all "$tool not installed (scripts/deps.sh package installs it)" "${NAMES[@]}"
done
unshare --mount true 2>/dev/null || skip_all "unshare of a mount namespace refused" "${NAMES[@]}"

VERSION=$(cat "$ROOT/VERSION")
DEB=$BUILD/deb/vflow_${VERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || fail_all "$DEB not built: make deb (make test-package builds it)" "${NAMES[@]}"

# --- the package itself ------------------------------------------------------
# every tag lintian reports, at any level, each named in docs/PACKAGING.md
lintian --pedantic -E -I --fail-on error,warning "$DEB" >"$TMP/lintian.out" 2>&1
lintian_rc=$?
sed -nE 's/^[EWIPX]: vflow[^:]*: ([^ ]+).*/\1/p' "$TMP/lintian.out" | sort -u >"$TMP/tags"
bad=$(grep -E '^[EW]:' "$TMP/lintian.out")
unexplained=$(while read -r tag; do
	grep -qF "\`$tag\`" "$ROOT/docs/PACKAGING.md" || echo "$tag"; done <"$TMP/tags")
if [ "$lintian_rc" -eq 0 ] && [ -z "$bad" ] && [ -z "$unexplained" ]; then
	ok "${NAMES[0]}"
else
	not_ok "${NAMES[0]}"
	diag "lintian status $lintian_rc"
	[ -z "$bad" ] || diag "$bad"
	[ -z "$unexplained" ] || diag "not in docs/PACKAGING.md: ${unexplained//$'\n'/ }"
fi

# Build-Depends: scripts/deps.sh's build packages, less those
# build-essential brings, and debhelper
deb_version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
want=$("$ROOT/scripts/deps.sh" --build | grep -vxE 'make|gcc|libc6-dev' | sort)
got=$(sed -n '/^Build-Depends:/,/^$/p' "$ROOT/debian/control" | sed '1s/^Build-Depends://' |
	tr ',' '\n' | sed -E 's/\(.*\)//; s/[[:space:]]//g' | grep -v '^$' | grep -vx 'debhelper-compat' | sort)
if [ "$deb_version" = "$VERSION" ] && [ "$want" = "$got" ]; then
	ok "${NAMES[1]}"
else
	not_ok "${NAMES[1]}"
	diag "debian/changelog $deb_version, VERSION $VERSION"
	diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^/# deps.sh < > control: /'
fi

# --- the throwaway root ------------------------------------------------------
BASE=$("$ROOT/scripts/base-rootfs.sh" 2>"$TMP/base.err") ||
	fail_all "no base root: $(tail -3 "$TMP/base.err")" "${NAMES[@]:2}"
UPPER=$TMP/upper
mkdir -p "$UPPER/tmp" "$UPPER/etc" "$TMP/work" "$TMP/root"
cp "$DEB" "$UPPER/tmp/"
cp "$ROOT/tests/complete.bash" "$UPPER/tmp/"
# apt fetches the dependencies from the mirror: this machine's resolver
cp -L /etc/resolv.conf "$UPPER/etc/resolv.conf"

# with_root 'CODE' ARGS...: bash CODE on this machine with the root
# mounted at $R (the base, this file's changes over it, /proc and /dev),
# in a mount namespace that ends with it
with_root() {
	local code=$1; shift
	unshare --mount --propagation private -- env R="$TMP/root" LOWER="$BASE" UPPER="$UPPER" WORK="$TMP/work" \
		bash -c 'set -e
			mount -t overlay vflow-test -o "lowerdir=$LOWER,upperdir=$UPPER,workdir=$WORK" "$R"
			mount -t proc proc "$R/proc"
			mount --rbind /dev "$R/dev"
			set +e
			'"$code" bash "$@"
}
# in_root CMD...: CMD inside the root, with a clean environment
in_root() {
	with_root 'exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
		DEBIAN_FRONTEND=noninteractive "$@"' "$@"
}

deb_in_root=/tmp/$(basename "$DEB")
if in_root sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends man-db bash-completion' \
	>"$TMP/tools.out" 2>&1 &&
   in_root apt-get install -y --no-install-recommends "$deb_in_root" >"$TMP/install.out" 2>&1 &&
   in_root dpkg-query -W -f='${Status}\n' vflow | grep -qx 'install ok installed'; then
	ok "${NAMES[2]}"
else
	not_ok "${NAMES[2]}"
	diag "$(tail -5 "$TMP/tools.out" "$TMP/install.out" 2>/dev/null)"
	# nothing below can hold without the package
	for t in "${NAMES[@]:3}"; do not_ok "$t"; done
	exit 0
fi

# --- what the package installs ----------------------------------------------
v_ok=true
for p in /usr/sbin/vflowd /usr/sbin/vflowtop /usr/bin/vflowdump; do
	out=$(in_root "$p" --version 2>&1)
	grep -q "^${p##*/} $VERSION" <<<"$out" || { v_ok=false; diag "$p --version: $out"; }
done
check "${NAMES[3]}" $v_ok

# /lib is /usr/lib in the root (merged /usr): read it through the root
unit=$(in_root cat /lib/systemd/system/vflowd.service 2>&1)
enabled=$(with_root 'systemctl --root="$R" is-enabled vflowd.service' 2>&1)
wants=$(find "$UPPER/etc/systemd" -name 'vflowd*' 2>/dev/null)
if grep -q '^ExecStart=/usr/sbin/vflowd ' <<<"$unit" &&
   grep -q '^EnvironmentFile=-/etc/default/vflowd$' <<<"$unit" && [ -f "$UPPER/etc/default/vflowd" ] &&
   [ "$enabled" = disabled ] && [ -z "$wants" ]; then
	ok "${NAMES[4]}"
else
	not_ok "${NAMES[4]}"
	diag "is-enabled: $enabled; links: ${wants:-none}; $(grep '^ExecStart=' <<<"$unit" || head -1 <<<"$unit")"
fi

man_ok=true
for pair in vflowd:8:/usr/sbin/vflowd vflowtop:8:/usr/sbin/vflowtop vflowdump:1:/usr/bin/vflowdump; do
	IFS=: read -r p sec path <<<"$pair"
	page=$(in_root env MANWIDTH=200 man -P cat "$sec" "$p" 2>"$TMP/man.err")
	if ! grep -qE "^ +$p - " <<<"$page"; then
		man_ok=false; diag "man $sec $p: no NAME line: $(head -c 300 "$TMP/man.err")"; continue
	fi
	# each long option of the installed program's --help
	for opt in $(in_root "$path" --help | grep -oE -- '--[a-z][a-z0-9.-]+' | sort -u); do
		grep -qF -- "$opt" <<<"$page" || { man_ok=false; diag "man $sec $p lacks $opt"; }
	done
done
check "${NAMES[5]}" $man_ok

# offers LINE: the candidates the installed completion gives for LINE, in
# an empty directory (no file to offer)
offers() {
	in_root sh -c 'mkdir -p /tmp/empty && cd /tmp/empty && exec bash /tmp/complete.bash - "$1"' sh "$1" 2>&1 |
		grep -v '^# nospace$' | sort | tr '\n' ' '
}
c_ok=true
# expect LINE CANDIDATES...: exactly these
expect() {
	local line=$1 got want; shift
	got=$(offers "$line")
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || { c_ok=false; diag "'$line': got '$got', want '$want'"; }
}
expect 'vflowd --parad' --paradigm=
expect 'vflowd --paradigm=' container host vm sandbox
expect 'vflowtop --vers' --version
commands=$(in_root /usr/bin/vflowdump --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
# shellcheck disable=SC2086
[ -n "$commands" ] && expect 'vflowdump ' $commands
check "${NAMES[6]}" $c_ok

in_root dpkg-query -L vflow >"$TMP/files" 2>&1
if in_root apt-get purge -y vflow >"$TMP/purge.out" 2>&1; then
	# the package's files (not its directories, some shared), and what
	# purge removes beyond them: the conffiles and their directory
	left=$({ cat "$TMP/files"; echo /etc/vflow; } | with_root 'while read -r f; do
		[ -e "$R$f" ] && { [ ! -d "$R$f" ] || [ "$f" = /etc/vflow ]; } && echo "$f"; done')
	status=$(in_root dpkg-query -W -f='${Status}' vflow 2>&1)
	if [ -z "$left" ] && [[ $status != *installed* ]] &&
	   grep -qx /etc/vflow/model.conf "$TMP/files" && grep -qx /usr/sbin/vflowd "$TMP/files"; then
		ok "${NAMES[7]}"
	else
		not_ok "${NAMES[7]}"
		diag "left: ${left//$'\n'/ }; status: $status; $(wc -l <"$TMP/files") files listed"
	fi
else
	not_ok "${NAMES[7]}"
	diag "$(tail -3 "$TMP/purge.out")"
fi
