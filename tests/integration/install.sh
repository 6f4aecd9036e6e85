#!/usr/bin/env bash
# make install and make uninstall into staging directories (DESTDIR): the
# files of the default prefix (/usr/local) and of a system package
# (PREFIX=/usr), each where the GNU and Debian conventions put it; the
# unit's ExecStart and EnvironmentFile name what install put there and
# systemd-analyze verifies the installed unit; the installed man pages
# and completion are found the way man and bash-completion look for them;
# a configuration file changed after install survives a second install
# and uninstall; uninstall leaves nothing else. Nothing here is written
# outside $TMP.
. "$(dirname "$0")/../lib.sh"

NAMES=("make install: exactly the files of PREFIX=/usr/local"
       "installed vflowd runs, ExecStart and EnvironmentFile name installed files"
       "systemd-analyze verify the installed unit"
       "man -M finds the installed vflowd(8) and vflowdump(1)"
       "bash-completion's loader finds the installed completion for each program"
       "PREFIX=/usr: sbin, bin, the systemd and bash-completion directories, relocated pages"
       "SYSCONFDIR elsewhere: the unit tells vflowd where its files are"
       "a changed model.conf survives install and uninstall, said once each"
       "make uninstall leaves nothing but the changed file"
       "make uninstall PREFIX=/usr leaves no file and no vflow directory")
plan ${#NAMES[@]}
for p in vflowd vflowtop vflowdump; do
	[ -x "$BUILD/$p" ] || fail_all "$BUILD/$p not built: make WERROR=1 test-build" "${NAMES[@]}"
done

# mk ARGS...: make ARGS in the tree, with this build's output folder
mk() { make -C "$ROOT" --no-print-directory OUT="$BUILD" "$@"; }
# files_of DIR: the files and links under DIR, relative, sorted
files_of() { (cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }

A=$TMP/local
if ! mk install DESTDIR="$A" >"$TMP/install.out" 2>&1; then
	fail_all "make install failed: $(tail -3 "$TMP/install.out")" "${NAMES[@]}"
fi
# what the default prefix puts where, written out here
want=$({
	printf '%s\n' etc/default/vflowd etc/vflow/advice.rules etc/vflow/model.conf \
		usr/local/bin/vflowdump usr/local/sbin/vflowd usr/local/sbin/vflowtop \
		usr/local/lib/systemd/system/vflowd.service \
		usr/local/share/man/man8/vflowd.8 usr/local/share/man/man8/vflowtop.8 \
		usr/local/share/man/man1/vflowdump.1 \
		usr/local/share/bash-completion/completions/vflowd \
		usr/local/share/bash-completion/completions/vflowtop \
		usr/local/share/bash-completion/completions/vflowdump \
		usr/local/share/vflow/dashboards/vflow.json usr/local/share/vflow/dashboards/rules.yml \
		usr/local/share/vflow/dashboards/rules_test.yml usr/local/share/vflow/deploy/daemonset.yaml \
		usr/local/share/doc/vflow/README.md usr/local/share/doc/vflow/dashboards/README.md \
		usr/local/share/doc/vflow/deploy/README.md
	(cd "$ROOT" && ls docs/*.md) | sed 's|^|usr/local/share/doc/vflow/|'
} | LC_ALL=C sort)
got=$(files_of "$A")
if [ "$got" = "$want" ]; then
	ok "make install: exactly the files of PREFIX=/usr/local"
else
	not_ok "make install: exactly the files of PREFIX=/usr/local"
	diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^/# /' | head -10
fi

UNIT=$A/usr/local/lib/systemd/system/vflowd.service
exec_bin=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$UNIT")
env_file=$(sed -n 's/^EnvironmentFile=-\?//p' "$UNIT")
if [ "$exec_bin" = /usr/local/sbin/vflowd ] && [ "$env_file" = /etc/default/vflowd ] &&
   [ -f "$A$env_file" ] && "$A$exec_bin" --version | grep -q "^vflowd $(cat "$ROOT/VERSION") "; then
	ok "installed vflowd runs, ExecStart and EnvironmentFile name installed files"
else
	not_ok "installed vflowd runs, ExecStart and EnvironmentFile name installed files"
	diag "ExecStart $exec_bin, EnvironmentFile $env_file"
fi

# verify wants ExecStart's binary to exist (its --root wants a whole
# system): the installed unit with ExecStart at the staged binary, and man
# looking for its Documentation= page among the staged ones
mkdir -p "$TMP/unit"
sed "s|^ExecStart=$exec_bin |ExecStart=$A$exec_bin |" "$UNIT" >"$TMP/unit/vflowd.service"
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify the installed unit" "systemd-analyze not installed"
elif SYSTEMD_LOG_COLOR=0 MANPATH=$A/usr/local/share/man \
	systemd-analyze verify "$TMP/unit/vflowd.service" >"$TMP/verify.out" 2>&1 &&
     [ ! -s "$TMP/verify.out" ]; then
	ok "systemd-analyze verify the installed unit"
else
	not_ok "systemd-analyze verify the installed unit"; sed 's/^/# /' "$TMP/verify.out" | head -5
fi

# man -M: that manual tree only (rendered text with its spaces squeezed)
page() { MANWIDTH=80 man -M "$A/usr/local/share/man" "$@" 2>/dev/null | tr -s ' '; }
if page vflowd | grep -q '^ vflowd - trace' && page 1 vflowdump | grep -q 'VFLOWDUMP(1)' &&
   page vflowd | grep -q '^ /usr/local/share/doc/vflow/docs/$'; then
	ok "man -M finds the installed vflowd(8) and vflowdump(1)"
else
	not_ok "man -M finds the installed vflowd(8) and vflowdump(1)"
fi

# bash-completion looks in $XDG_DATA_DIRS/bash-completion/completions (by
# default /usr/local/share and /usr/share); the programs from the tree
if [ ! -r /usr/share/bash-completion/bash_completion ]; then
	skip "bash-completion's loader finds the installed completion for each program" \
		"bash-completion not installed (scripts/deps.sh installs it)"
else
	bad=''
	for p in vflowd vflowtop vflowdump; do
		XDG_DATA_DIRS=$A/usr/local/share PATH="$A/usr/local/sbin:$A/usr/local/bin:$PATH" \
			bash "$ROOT/tests/complete.bash" - "$p --" >"$TMP/c.out" 2>&1 &&
			grep -qx -- '--version' "$TMP/c.out" || bad+=" $p"
	done
	check "bash-completion's loader finds the installed completion for each program${bad:+ (not:$bad)}" \
		test -z "$bad"
fi

# a system package's directories
U=$TMP/usr
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
compdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
if mk install DESTDIR="$U" PREFIX=/usr >"$TMP/usr.out" 2>&1 &&
   [ -x "$U/usr/sbin/vflowd" ] && [ -x "$U/usr/sbin/vflowtop" ] && [ -x "$U/usr/bin/vflowdump" ] &&
   grep -q '^ExecStart=/usr/sbin/vflowd ' "$U${unitdir:-/lib/systemd/system}/vflowd.service" &&
   [ -f "$U${compdir:-/usr/share/bash-completion/completions}/vflowd" ] &&
   grep -q '^\.I /usr/share/doc/vflow/docs/' "$U/usr/share/man/man8/vflowd.8" &&
   ! grep -rv '^#' "$U/usr/share/man" "$U${unitdir:-/lib/systemd/system}" | grep -q /usr/local; then
	ok "PREFIX=/usr: sbin, bin, the systemd and bash-completion directories, relocated pages"
else
	not_ok "PREFIX=/usr: sbin, bin, the systemd and bash-completion directories, relocated pages"
	diag "$(tail -3 "$TMP/usr.out")"; diag "$(cd "$U" && find . -name 'vflowd*' | tr '\n' ' ')"
fi

E=$TMP/etc
if mk install DESTDIR="$E" SYSCONFDIR=/opt/vflow/etc >"$TMP/etc.out" 2>&1 &&
   grep -qx 'Environment=VFLOW_CONFIG_DIR=/opt/vflow/etc/vflow' "$E/usr/local/lib/systemd/system/vflowd.service" &&
   grep -qx 'EnvironmentFile=-/opt/vflow/etc/default/vflowd' "$E/usr/local/lib/systemd/system/vflowd.service" &&
   [ -f "$E/opt/vflow/etc/vflow/model.conf" ]; then
	ok "SYSCONFDIR elsewhere: the unit tells vflowd where its files are"
else
	not_ok "SYSCONFDIR elsewhere: the unit tells vflowd where its files are"
	grep -n 'Environment' "$E/usr/local/lib/systemd/system/vflowd.service" 2>&1 | sed 's/^/# /'
fi

# an administrator's edit (or vflowd --calibrate --calibrate-out) after install
echo "# calibrated here" >>"$A/etc/vflow/model.conf"
cp "$A/etc/vflow/model.conf" "$TMP/model.changed"
mk install DESTDIR="$A" >"$TMP/again.out" 2>&1
again=$?
mk uninstall DESTDIR="$A" >"$TMP/uninstall.out" 2>&1
un=$?
if [ "$again" -eq 0 ] && [ "$un" -eq 0 ] && cmp -s "$TMP/model.changed" "$A/etc/vflow/model.conf" &&
   [ "$(grep -c 'KEEP .*/etc/vflow/model.conf' "$TMP/again.out")" -eq 1 ] &&
   [ "$(grep -c 'KEEP .*/etc/vflow/model.conf' "$TMP/uninstall.out")" -eq 1 ]; then
	ok "a changed model.conf survives install and uninstall, said once each"
else
	not_ok "a changed model.conf survives install and uninstall, said once each"
	diag "install $again, uninstall $un"; grep KEEP "$TMP/again.out" "$TMP/uninstall.out" | sed 's/^/# /'
fi
check "make uninstall leaves nothing but the changed file" test "$(files_of "$A")" = etc/vflow/model.conf

mk uninstall DESTDIR="$U" PREFIX=/usr >"$TMP/un-usr.out" 2>&1
left=$(files_of "$U"; cd "$U" && find . -type d -name '*vflow*')
if [ -z "$left" ]; then
	ok "make uninstall PREFIX=/usr leaves no file and no vflow directory"
else
	not_ok "make uninstall PREFIX=/usr leaves no file and no vflow directory"; diag "left: $(echo $left)"
fi
