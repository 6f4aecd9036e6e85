#!/usr/bin/env bash
# The shape of the tree (scripts/check-layers.sh): the layers of user/ in
# the order user/LAYERS declares, each described in docs/ARCHITECTURE.md,
# includes that name their layer and never point up, no include cycle,
# library headers only in the layer that links the library, private
# headers private, no I/O in user/core, files and functions within their
# size, bpf/lib/ headers that compile on their own.
# The tree must pass; then each fault the check guards against is planted
# in a copy of the tree and must fail it, naming the file.
. "$(dirname "$0")/../lib.sh"
CHECK=$ROOT/scripts/check-layers.sh

plan 16

# fresh_copy: $TMP/tree, a copy of the checked folders (vmlinux/ linked)
fresh_copy() {
	rm -rf "$TMP/tree"
	mkdir -p "$TMP/tree"
	cp -a "$ROOT/user" "$ROOT/bpf" "$ROOT/include" "$ROOT/scripts" "$ROOT/docs" "$TMP/tree/" &&
		ln -s "$ROOT/vmlinux" "$TMP/tree/vmlinux"
}

# planted "what" PATTERN [--compile]: the check on the planted copy fails
# and says PATTERN (a file and what is wrong with it)
planted() {
	local what=$1 pattern=$2 rc
	local args=(--root "$TMP/tree" --no-compile)
	[ "${3:-}" = --compile ] && args=(--root "$TMP/tree")
	bash "$CHECK" "${args[@]}" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -qE -- "$pattern" "$TMP/out"; then
		ok "layers: $what fails the check"
	else
		not_ok "layers: $what fails the check"
		diag "status $rc, expected a line matching: $pattern"
		sed 's/^/# /' "$TMP/out"
	fi
}

# add_line FILE LINE: LINE after FILE's first #include
add_line() {
	sed -i "0,/^#include/s||$2\n&|" "$1"
}

T0=$SECONDS
bash "$CHECK" >"$TMP/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^# layers: .* 0 problems$' "$TMP/out"; then
	ok "layers: the tree keeps its layers, includes and sizes"
else
	not_ok "layers: the tree keeps its layers, includes and sizes"
	sed 's/^/# /' "$TMP/out"
fi
diag "$(tail -1 "$TMP/out" | sed "s/^# //"), $((SECONDS - T0)) s"

fresh_copy || fail_all "cannot copy the tree to $TMP" "layers: planted faults"
add_line "$TMP/tree/user/core/snapshot.c" '#include "serve/metrics.h"'
planted "an include that points up (core includes serve)" '^user/core/snapshot.c:[0-9]+: .*points up'

fresh_copy
add_line "$TMP/tree/user/core/snapshot.h" '#include "core/kvm_reasons.h"'
add_line "$TMP/tree/user/core/kvm_reasons.h" '#include "core/snapshot.h"'
planted "an include cycle" 'include cycle: .*user/core/(snapshot|kvm_reasons)\.h'

fresh_copy
add_line "$TMP/tree/user/core/model.c" '#include "snapshot.h"'
planted "an include without its layer" '^user/core/model.c:[0-9]+: "snapshot.h" does not name its layer: write "core/snapshot.h"'

fresh_copy
add_line "$TMP/tree/user/vflowd/vflowd.c" '#include "vflowtop/top_shared.h"'
planted "a program including another" '^user/vflowd/vflowd.c:[0-9]+: .*peers'

fresh_copy
add_line "$TMP/tree/user/report/report.c" '#include <bpf/libbpf.h>'
planted "libbpf outside user/engine" '^user/report/report.c:[0-9]+: <bpf/libbpf.h> outside user/engine'

fresh_copy
add_line "$TMP/tree/user/serve/metrics.c" '#include "report/report_internal.h"'
planted "a private header used from another folder" '^user/serve/metrics.c:[0-9]+: .*private to user/report'

fresh_copy
printf 'int snapshot_peek(void)\n{\n\treturn fopen("/proc/stat", "re") != 0;\n}\n' >>"$TMP/tree/user/core/snapshot.c"
planted "file I/O in user/core" '^user/core/snapshot.c:[0-9]+: I/O in user/core'

fresh_copy
for i in $(seq 600); do echo "/* $i */"; done >>"$TMP/tree/user/core/conftext.c"
planted "a file over 600 lines" '^user/core/conftext.c: [0-9]+ lines, over 600'

fresh_copy
{
	printf 'int conf_long(void)\n{\n\tint n = 0;\n\n'
	for i in $(seq 80); do printf '\tn += %d;\n' "$i"; done
	printf '\treturn n;\n}\n'
} >>"$TMP/tree/user/core/conftext.c"
planted "a function over 80 lines" '^user/core/conftext.c:[0-9]+: conf_long\(\) is 83 lines, over 80'

fresh_copy
echo "size user/core/conftext.c   a reason" >>"$TMP/tree/scripts/check-layers.allow"
planted "an allow-list entry that no longer applies" "^scripts/check-layers.allow:[0-9]+: 'size user/core/conftext.c' no longer applies"

fresh_copy
echo "size user/core/conftext.c" >>"$TMP/tree/scripts/check-layers.allow"
planted "an allow-list entry without a reason" '^scripts/check-layers.allow:[0-9]+: size user/core/conftext.c has no reason'

fresh_copy
mkdir "$TMP/tree/user/unlisted" && cp "$TMP/tree/user/host/workload.c" "$TMP/tree/user/unlisted/"
planted "a folder missing from user/LAYERS" '^user/unlisted: a folder not in user/LAYERS'

fresh_copy
# shellcheck disable=SC2016 # the backquotes are the text to replace
sed -i 's/`user\/source`/`user\/sources`/' "$TMP/tree/docs/ARCHITECTURE.md"
planted "a layer docs/ARCHITECTURE.md does not describe" '^docs/ARCHITECTURE.md: user/source is not described'

fresh_copy
echo 'int loose;' >"$TMP/tree/user/loose.c"
planted "a file outside every layer" '^user/loose.c: a file outside every layer'

if command -v "${CLANG:-clang}" >/dev/null; then
	fresh_copy
	sed -i '/#include "lib\/events.bpf.h"/d' "$TMP/tree/bpf/lib/sched.bpf.h"
	planted "a bpf/lib header that needs another included first" \
		'^bpf/lib/sched.bpf.h: does not compile on its own' --compile
else
	not_ok "layers: a bpf/lib header that needs another included first fails the check"
	diag "clang is not installed: scripts/deps.sh installs it, the build needs it"
fi
