#!/usr/bin/env bash
# make install and make uninstall: the one list of what vflow installs
# where, so that uninstall removes exactly what install put there.
#   scripts/install.sh install|uninstall
# The directories come from the environment (the Makefile's GNU directory
# variables); DESTDIR is prepended to each, and only there.
#
# The unit and the man pages are written for the paths the source gives
# for the default prefix (/usr/local/sbin/vflowd, /usr/local/share/...):
# they are rewritten to the directories given here, so that ExecStart
# names the vflowd this installs. Configuration files (/etc/vflow/*,
# /etc/default/vflowd) are never overwritten: an administrator's edits or
# a host profile from vflowd --calibrate stay, and uninstall removes them
# only while they are as shipped.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/install.sh install|uninstall (with BINDIR, SBINDIR, DATADIR, MANDIR, DOCDIR, SYSCONFDIR, SYSTEMD_UNITDIR, BASH_COMPLETIONS_DIR set: make install sets them)"; }
[ $# -eq 1 ] && { [ "$1" = install ] || [ "$1" = uninstall ]; } || { usage >&2; exit 2; }
action=$1
for v in BINDIR SBINDIR DATADIR MANDIR DOCDIR SYSCONFDIR SYSTEMD_UNITDIR BASH_COMPLETIONS_DIR; do
	case ${!v:-} in
	/*) ;;
	*) echo "scripts/install.sh: $v must be an absolute directory, not '${!v:-}': run make install" >&2; exit 2 ;;
	esac
done
DESTDIR=${DESTDIR:-}
OUT=${OUT:-build}
# the default prefix's paths, as the unit and the man pages' sources say them
DEFAULT_SBINDIR=/usr/local/sbin
DEFAULT_DOCDIR=/usr/local/share/doc/vflow
DEFAULT_DATADIR=/usr/local/share

# manifest: one line per installed file, "KIND SOURCE DESTINATION".
#   prog  an executable (0755)
#   data  a file as it is (0644)
#   conf  a configuration file (0644): never overwritten, kept if changed
#   unit  the systemd unit, its paths rewritten (0644)
#   man   a man page, its paths rewritten (0644)
#   link  a symbolic link to SOURCE (a name in the same directory)
manifest() {
	local f
	echo "prog $OUT/vflowd $SBINDIR/vflowd"
	echo "prog $OUT/vflowtop $SBINDIR/vflowtop"
	echo "prog $OUT/vflowdump $BINDIR/vflowdump"
	# the sections the Makefile's MAN_SECTION_* give them
	echo "man $OUT/man/vflowd.8 $MANDIR/man8/vflowd.8"
	echo "man $OUT/man/vflowtop.8 $MANDIR/man8/vflowtop.8"
	echo "man $OUT/man/vflowdump.1 $MANDIR/man1/vflowdump.1"
	echo "conf config/model.conf $SYSCONFDIR/vflow/model.conf"
	echo "conf config/advice.rules $SYSCONFDIR/vflow/advice.rules"
	echo "conf deploy/vflowd.conf.example $SYSCONFDIR/default/vflowd"
	echo "unit deploy/vflowd.service $SYSTEMD_UNITDIR/vflowd.service"
	for f in vflow.json rules.yml rules_test.yml; do
		echo "data dashboards/$f $DATADIR/vflow/dashboards/$f"
	done
	echo "data deploy/daemonset.yaml $DATADIR/vflow/deploy/daemonset.yaml"
	echo "data README.md $DOCDIR/README.md"
	for f in docs/*.md dashboards/README.md deploy/README.md; do echo "data $f $DOCDIR/$f"; done
	echo "data bash-completion/vflow $BASH_COMPLETIONS_DIR/vflowd"
	echo "link vflowd $BASH_COMPLETIONS_DIR/vflowtop"
	echo "link vflowd $BASH_COMPLETIONS_DIR/vflowdump"
}

# directories that only vflow uses: uninstall removes them once empty
own_dirs() {
	printf '%s\n' "$SYSCONFDIR/vflow" "$DATADIR/vflow/dashboards" "$DATADIR/vflow/deploy" \
		"$DATADIR/vflow" "$DOCDIR/docs" "$DOCDIR/dashboards" "$DOCDIR/deploy" "$DOCDIR"
}

say() { printf '  %-8s %s\n' "$1" "$2"; }

# relocate SOURCE DEST: SOURCE with the default prefix's paths rewritten
relocate() {
	sed -e "s|$DEFAULT_SBINDIR/|$SBINDIR/|g" \
	    -e "s|$DEFAULT_DOCDIR|$DOCDIR|g" \
	    -e "s|$DEFAULT_DATADIR/vflow|$DATADIR/vflow|g" \
	    -e "s|/etc/default/vflowd|$SYSCONFDIR/default/vflowd|g" \
	    -e "s|/etc/vflow/|$SYSCONFDIR/vflow/|g" "$1" >"$2"
}

install_unit() {
	local src=$1 dst=$2
	relocate "$src" "$dst.tmp"
	# vflowd itself looks in /etc/vflow: point it at the files elsewhere
	if [ "$SYSCONFDIR" != /etc ]; then
		sed -i "/^EnvironmentFile=/a Environment=VFLOW_CONFIG_DIR=$SYSCONFDIR/vflow" "$dst.tmp"
	fi
	if ! grep -q "^ExecStart=$SBINDIR/vflowd " "$dst.tmp"; then
		rm -f "$dst.tmp"
		echo "scripts/install.sh: $src has no ExecStart=$DEFAULT_SBINDIR/vflowd line to point at $SBINDIR/vflowd" >&2
		exit 1
	fi
	chmod 0644 "$dst.tmp"
	mv "$dst.tmp" "$dst"
}

install_one() {
	local kind=$1 src=$2 dst=$DESTDIR$3
	if [ "$kind" != link ] && [ ! -f "$src" ]; then
		echo "scripts/install.sh: $src is missing: run make first (make install builds it)" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$dst")"
	case $kind in
	prog) install -m 0755 "$src" "$dst" ;;
	data) install -m 0644 "$src" "$dst" ;;
	conf)
		if [ -e "$dst" ] || [ -L "$dst" ]; then
			cmp -s "$src" "$dst" || say KEEP "$dst (changed here; $src not installed over it)"
			return 0
		fi
		install -m 0644 "$src" "$dst" ;;
	unit) install_unit "$src" "$dst" ;;
	man)
		relocate "$src" "$dst.tmp"
		chmod 0644 "$dst.tmp"
		mv "$dst.tmp" "$dst" ;;
	link) ln -sfn "$src" "$dst" ;;
	esac
	say INSTALL "$dst"
}

uninstall_one() {
	local kind=$1 src=$2 dst=$DESTDIR$3
	[ -e "$dst" ] || [ -L "$dst" ] || return 0
	if [ "$kind" = conf ] && ! cmp -s "$src" "$dst"; then
		say KEEP "$dst (changed here: remove it by hand)"
		return 0
	fi
	rm -f "$dst"
	say REMOVE "$dst"
}

while read -r kind src dst; do
	"${action}_one" "$kind" "$src" "$dst"
done < <(manifest)
if [ "$action" = uninstall ]; then
	while read -r d; do
		[ -d "$DESTDIR$d" ] && rmdir --ignore-fail-on-non-empty "$DESTDIR$d"
	done < <(own_dirs)
fi
exit 0
