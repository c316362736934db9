#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end tests of stratosctl: command line, output formats, errors and
# exit statuses. The kernel side is played by fake_genl.so (LD_PRELOAD), so
# these run on any host; the selftests in the VM cover the real module.
#
# Usage: test_cli.sh STRATOSCTL FAKE_GENL_SO
#
# Prints TAP and closes with "cli-test: N passed, N failed". The cgroup
# tests need root and a writable cgroup2 mount (they create and remove a
# scratch cgroup) and are skipped without them; VALGRIND=0 skips the
# valgrind leak checks, which run when valgrind is installed.

set -u

stratosctl=$(realpath "$1")
fake=$(realpath "$2")
tmp=$(mktemp -d)
n=0
failed=0
cgdir=

cleanup() {
	[ -n "$cgdir" ] && rmdir "$cgdir"/* "$cgdir" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

fail() {
	local line

	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# run CMD...: run it, keeping stdout, stderr and the exit status.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# The fake kernel side, with its registry in $tmp.
fk() {
	LD_PRELOAD=$fake FAKE_STRATOS_STATE=$tmp/state \
		FAKE_STRATOS_CGROOT=${cgroot:-/nonexistent} "$stratosctl" "$@"
}

# expect NAME RC [STDOUT_ERE [STDERR_ERE]]: check the last run.
# An ERE of "" expects the stream to be empty; "-" does not look.
expect() {
	local name=$1 want_rc=$2 o=${3--} e=${4--}

	if [ "$rc" != "$want_rc" ]; then
		fail "$name" "exit status $rc, expected $want_rc" \
			"stdout: $out" "stderr: $err"
	elif [ "$o" != - ] && { { [ -z "$o" ] && [ -n "$out" ]; } ||
		{ [ -n "$o" ] && ! grep -Eq -- "$o" <<<"$out"; }; }; then
		fail "$name" "stdout does not match: $o" "stdout: $out"
	elif [ "$e" != - ] && { { [ -z "$e" ] && [ -n "$err" ]; } ||
		{ [ -n "$e" ] && ! grep -Eq -- "$e" <<<"$err"; }; }; then
		fail "$name" "stderr does not match: $e" "stderr: $err"
	else
		pass "$name"
	fi
}

# expect_out NAME TEXT: stdout of the last run is exactly TEXT.
expect_out() {
	if [ "$rc" = 0 ] && [ "$out" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit status $rc" "stdout: $out" "expected: $2" \
			"stderr: $err"
	fi
}

# json_check NAME PYTHON_EXPR: stdout parses as JSON and EXPR (over j)
# holds.
json_check() {
	if ! command -v python3 >/dev/null; then
		skip "$1" "no python3"
	elif python3 -c 'import json, sys
j = json.loads(sys.stdin.read())
sys.exit(0 if ('"$2"') else 1)' <<<"$out" 2>"$tmp/py"; then
		pass "$1"
	else
		fail "$1" "JSON check failed: $2" "stdout: $out" \
			"$(cat "$tmp/py")"
	fi
}

# ---- help and usage: no kernel involved ----

run "$stratosctl" --help
expect "--help" 0 "Usage: stratosctl" ""
expect "--help documents exit statuses" 0 "4  permission denied"
run "$stratosctl" help
expect "help" 0 "Usage: stratosctl"
run "$stratosctl" -h
expect "-h" 0 "Usage: stratosctl"
run "$stratosctl" help cgroup
expect "help cgroup" 0 "^Usage: stratosctl cgroup set PATH"
expect "help cgroup lists all commands" 0 "^       stratosctl cgroup del PATH"
run "$stratosctl" cg help
expect "cgroup help, abbreviated" 0 "stratosctl cgroup del PATH"
run "$stratosctl" cgroup -h
expect "cgroup -h" 0 "stratosctl cgroup del PATH"
run "$stratosctl" cgroup set -h
expect "cgroup set -h" 0 "weight N" ""
run "$stratosctl" cgroup set help
expect "cgroup set help" 0 "class \{ online \| offline \| none \}"
run "$stratosctl" help cg sh
expect "help cg sh" 0 "cgroup show \[ PATH \]"
run "$stratosctl" info help
expect "info help" 0 "stratosctl \[-j \[-p\]\] info"
run "$stratosctl" --help monitor
expect "--help monitor" 0 "monitor \[ count N \]"
run "$stratosctl" -V
expect "-V" 0 "^stratosctl [0-9]+\.[0-9]+\.[0-9]+ \(stratos netlink API 1\)$" ""
run "$stratosctl" -j --version
json_check "-j --version" 'j["api_version"] == 1 and "version" in j'

run "$stratosctl"
expect "no object: usage error" 2 "" "^stratosctl: missing OBJECT"
run "$stratosctl" frob
expect "unknown object" 2 "" "unknown object 'frob' \(expected: info, cgroup, monitor, .*help\)"
run "$stratosctl" cgroup s
expect "ambiguous command" 2 "" "ambiguous cgroup command 's' \(could be: set, show\)"
run "$stratosctl" cgroup frob
expect "unknown command" 2 "" "unknown cgroup command 'frob'"
run "$stratosctl" --frob info
expect "unknown long option" 2 "" "unknown option '--frob'"
run "$stratosctl" -x info
expect "unknown short option" 2 "" "unknown option '-x'"
run "$stratosctl" info extra
expect "info takes no arguments" 2 "" "'info' takes no arguments"
run "$stratosctl" cgroup set
expect "set without PATH" 2 "" "'cgroup set' needs a PATH"
run "$stratosctl" cgroup del
expect "del without PATH" 2 "" "'cgroup del' needs a PATH"
run "$stratosctl" cgroup del a b
expect "del with two paths" 2 "" "takes one PATH, got 'b' too"
run "$stratosctl" cgroup show a b
expect "show with two paths" 2 "" "takes one PATH, got 'b' too"
run "$stratosctl" cgroup list x
expect "list takes no arguments" 2 "" "takes no arguments"
run "$stratosctl" cgroup set / weight 0
expect "weight 0" 2 "" "invalid weight '0': out of range \(it must be 1..10000\)"
run "$stratosctl" cgroup set / weight 10001
expect "weight 10001" 2 "" "out of range"
run "$stratosctl" cgroup set / weight -5
expect "negative weight" 2 "" "invalid weight '-5': negative values are not allowed"
run "$stratosctl" cgroup set / weight=12x
expect "weight with junk" 2 "" "trailing characters"
run "$stratosctl" cgroup set / weight 99999999999999999999
expect "weight overflow" 2 "" "out of range"
run "$stratosctl" cgroup set / weight=
expect "weight= without value" 2 "" "missing value for 'weight'"
run "$stratosctl" cgroup set / class
expect "class without value" 2 "" "missing value for 'class'"
run "$stratosctl" cgroup set / class o
expect "ambiguous class" 2 "" "ambiguous class 'o' \(could be: online, offline\)"
run "$stratosctl" cgroup set / class batch
expect "unknown class" 2 "" "unknown class 'batch' \(expected: none, online, offline\)"
run "$stratosctl" cgroup set / klass=online
expect "unknown setting" 2 "" "unknown 'cgroup set' argument 'klass' \(expected: class, weight\)"
run "$stratosctl" cgroup set / weight 5 w 6
expect "setting given twice" 2 "" "'weight' given twice"
run "$stratosctl" cgroup set ""
expect "empty path" 2 "" "empty cgroup path"
run "$stratosctl" monitor count 0
expect "monitor count 0" 2 "" "invalid count '0'"
run "$stratosctl" monitor count x
expect "monitor count x" 2 "" "invalid count 'x': not a number"
run "$stratosctl" monitor bogus 1
expect "monitor unknown argument" 2 "" "unknown 'monitor' argument 'bogus'"
run "$stratosctl" -j cgroup set / weight 0
expect "JSON usage error on stdout" 2 '^\{"error":"invalid weight' ""
run "$stratosctl" cgroup set / weight 0 -j
expect "options after the command" 2 '^\{"error":' ""

# ---- bt, pagecache and vcore arguments: no kernel involved ----

run "$stratosctl" bt help
expect "bt help" 0 "^Usage: stratosctl bt enable" ""
run "$stratosctl" -j bt status extra
expect "bt status extra: one JSON error" 2 "^\\{\"error\":\"'bt status' takes no arguments, got 'extra'" ""
run "$stratosctl" bt set
expect "bt set without keys" 2 "" "'bt set' needs KEY VALUE pairs"
run "$stratosctl" bt enable ext-server 1000001
expect "ext-server above its period" 2 "" "invalid ext-server '1000001': out of range \\(microseconds, 1..1000000\\)"
run "$stratosctl" pagecache set / 1G margin 9223372036854775808
expect "margin of 2^63" 2 "" "margin must be less than half the size"
run "$stratosctl" pagecache set / 1G margin 18446744073709551615
expect "margin of 2^64-1" 2 "" "margin must be less than half the size"
run "$stratosctl" pagecache set / 1G margin 1M margin 2M
expect "margin given twice" 2 "" "'margin' given twice"
for v in nan inf 0x10 " 1" 1e3 1. -1; do
	run "$stratosctl" vcore node interval "$v"
	expect "interval '$v'" 2 "" "invalid interval '$v'"
done
run "$stratosctl" vcore calibrate reference inf
expect "reference inf" 2 "" "invalid reference score 'inf'"
run "$stratosctl" vcore calibrate all seconds 0.01
expect "calibrate all, bad seconds" 2 "" "invalid seconds '0.01'"
run "$stratosctl" vcore calibrate work /bin/true
expect "workload abbreviated" 2 "" "write 'workload' in full"
run "$stratosctl" vcore calibrate seconds 0.01 workload /bin/true -V
expect "options after workload are the workload's" 2 "" "invalid seconds '0.01'"

# ---- path errors: before any netlink ----

run "$stratosctl" cgroup show /stratosctl-no-such-cgroup
if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
	expect "missing cgroup" 1 "" "cgroup '/stratosctl-no-such-cgroup' does not exist"
else
	skip "missing cgroup" "no cgroup2 filesystem is mounted"
fi
run "$stratosctl" cgroup show /tmp
expect "not a cgroup2 directory" 1 "" "'/tmp' is not a cgroup v2 directory: it must be under the cgroup2 mount"
mkdir "$tmp/notcg"
STRATOS_CGROUP_ROOT=$tmp run "$stratosctl" cgroup show notcg
expect "STRATOS_CGROUP_ROOT not cgroup2" 1 "" "STRATOS_CGROUP_ROOT=$tmp must be the cgroup2 mount"
STRATOS_CGROUP_ROOT=relative run "$stratosctl" cgroup show a
expect "STRATOS_CGROUP_ROOT relative" 1 "" "is not an absolute path"

# ---- the module is missing ----

run env FAKE_STRATOS_ABSENT=1 LD_PRELOAD="$fake" \
	FAKE_STRATOS_STATE="$tmp/state" "$stratosctl" info
expect "module not loaded: exit 3" 3 "" "^stratosctl: stratos module not loaded: load it with 'modprobe stratos'"
run env FAKE_STRATOS_ABSENT=1 LD_PRELOAD="$fake" \
	FAKE_STRATOS_STATE="$tmp/state" "$stratosctl" -j cgroup list
expect "module not loaded, JSON" 3 '^\{"error":"stratos module not loaded' ""
if [ -d /sys/module/stratos ]; then
	skip "real kernel: module not loaded" "stratos is loaded"
else
	run "$stratosctl" info
	expect "real kernel: module not loaded" 3 "" "stratos module not loaded"
fi

# ---- dumps the module refuses: one JSON document ----

for args in "pagecache show" "vcore show"; do
	# shellcheck disable=SC2086
	run fk -j $args
	expect "$args refused: exit 1" 1 - ""
	json_check "$args refused: one JSON document" '"error" in j'
done

# ---- info ----

run fk info
expect "info" 0 "^module_version 0\.1\.0-fake$" ""
expect "info features" 0 "^features sched_ext memcg smt$"
expect "info registry" 0 "^max_cgroups 4096$"
run fk -j info
json_check "info JSON" 'j["module_version"] == "0.1.0-fake" and j["api_version"] == 1 and j["features"] == ["sched_ext", "memcg", "smt"] and j["max_cgroups"] == 4096 and "kernel_release" in j and "nr_cpus" in j and "cgroups" in j'
FAKE_STRATOS_FEATURES=0 run fk info
expect "info without features" 0 "^features none$"
FAKE_STRATOS_FEATURES=0x1c2 run fk -j info
json_check "info unknown feature bit" 'j["features"] == ["ext_group_sched", "bit6", "bit7", "bit8"]'
FAKE_STRATOS_API=2 run fk info
expect "API mismatch warns" 0 "^api_version 2$" "warning: the module speaks stratos netlink API version 2, stratosctl version 1"
run fk -p info
expect "pretty JSON" 0 '^    "module_version": "0\.1\.0-fake",$'

# ---- cgroups ----

cgroot=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
		if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
if [ "$(id -u)" != 0 ] || [ -z "$cgroot" ] ||
	! mkdir "$cgroot/stratosctl-test.$$" 2>/dev/null; then
	skip "cgroup tests" "need root and a writable cgroup2 mount"
	cgroot=
else
	cgdir=$cgroot/stratosctl-test.$$
	cg=/stratosctl-test.$$
	mkdir "$cgdir/a" "$cgdir/b" "$cgdir/c d"
	ida=$(stat -c %i "$cgdir/a")
	idb=$(stat -c %i "$cgdir/b")
	idc=$(stat -c %i "$cgdir/c d")

	run fk cgroup list
	expect_out "empty list" ""
	run fk -j cgroup list
	expect_out "empty list, JSON" "[]"

	run fk cgroup set "$cg/a" class offline weight 200
	expect "set, key value" 0 "" ""
	run fk cgroup show "$cg/a"
	expect_out "show" "cgroup $cg/a id $ida class offline weight 200"
	run fk -j cgroup show "$cg/a"
	expect_out "show JSON" "{\"id\":$ida,\"path\":\"$cg/a\",\"class\":\"offline\",\"weight\":200}"
	run fk cgroup set "${cg#/}/b"
	expect "set relative path, defaults" 0 "" ""
	run fk cg sh "$cgdir/b"
	expect_out "show by mount path" "cgroup $cg/b id $idb class none weight 100"
	run fk cgroup set "$cg/c d" class=online
	expect "set, key=value" 0 "" ""
	run fk cgroup set "$cg/a" weight=300
	expect "update one setting" 0 "" ""
	run fk cgroup show "$cg/a"
	expect_out "update keeps the others" "cgroup $cg/a id $ida class offline weight 300"
	(cd "$cgdir" && run fk cgroup show ./a && [ "$out" = \
		"cgroup $cg/a id $ida class offline weight 300" ])
	[ $? = 0 ] && pass "./ path relative to the current directory" ||
		fail "./ path relative to the current directory"

	run fk cgroup list
	expect_out "list, sorted by path" "cgroup $cg/a id $ida class offline weight 300
cgroup $cg/b id $idb class none weight 100
cgroup $cg/c d id $idc class online weight 100"
	run fk cgroup
	expect "bare cgroup lists" 0 "^cgroup $cg/b id $idb"
	run fk cgroup show
	expect "show without PATH lists" 0 "^cgroup $cg/b id $idb"
	run fk -j cgroup ls
	json_check "list JSON" "len(j) == 3 and j[2] == {'id': $idc, 'path': '$cg/c d', 'class': 'online', 'weight': 100}"
	run fk cgroup list -p
	json_check "list pretty JSON" "len(j) == 3"
	expect "pretty JSON is indented" 0 '^        "id": '

	FAKE_STRATOS_DUMP_INTR=2 run fk cgroup list
	expect "interrupted dump is restarted" 0 - ""
	[ "$(wc -l <<<"$out")" = 3 ] && pass "restarted dump lists each once" ||
		fail "restarted dump lists each once" "$out"
	rm -f "$tmp/state.intr"
	FAKE_STRATOS_DUMP_INTR=100 run fk cgroup list
	expect "dump interrupted every time" 1 "" "the registry kept changing during 5 attempts"
	rm -f "$tmp/state.intr"

	run fk cgroup del "$cg/b"
	expect "del" 0 "" ""
	run fk cgroup show "$cg/b"
	expect "show after del: ENOENT" 1 "" "cannot show cgroup $cg/b: it has no stratos entry"
	run fk cgroup del "$cg/b"
	expect "del twice: ENOENT, kernel's message" 1 "" "cannot delete cgroup $cg/b: cgroup has no stratos entry \(attribute id\)$"
	run fk -j cgroup show "$cg/b"
	expect "ENOENT, JSON" 1 '^\{"error":"cannot show cgroup' ""

	FAKE_STRATOS_EPERM=1 run fk cgroup set "$cg/a" weight 5
	expect "EPERM: exit 4" 4 "" "permission denied: this needs CAP_NET_ADMIN in the initial user namespace"
	FAKE_STRATOS_EPERM=1 run fk cgroup del "$cg/a"
	expect "EPERM on del: exit 4" 4 "" "cannot delete cgroup $cg/a: permission denied"
	FAKE_STRATOS_MAX=2 run fk cgroup set "$cg/b"
	expect "ENOSPC, kernel's message" 1 "" "cannot set cgroup $cg/b: registry full: 2 entries \(raise max_cgroups\)$"
	FAKE_STRATOS_MAX=2 FAKE_STRATOS_NO_EXTACK=1 run fk cgroup set "$cg/b"
	expect "ENOSPC, no kernel message" 1 "" "cannot set cgroup $cg/b: registry full: delete unused entries"
	FAKE_STRATOS_WEIGHT_MAX=500 run fk cgroup set "$cg/a" class online weight 600
	expect "extack message and attribute" 1 "" "cannot set cgroup $cg/a: weight above the limit \(attribute weight\)$"
	FAKE_STRATOS_WEIGHT_MAX=500 FAKE_STRATOS_NO_EXTACK=1 run fk cgroup set "$cg/a" weight 600
	expect "EINVAL without extack" 1 "" "cannot set cgroup $cg/a: Invalid argument$"
	FAKE_STRATOS_NEED_FLAGS=1 run fk cgroup set "$cg/a"
	expect "extack missing attribute" 1 "" "flags are required \(missing attribute flags\)$"
	FAKE_STRATOS_WARN="class online is deprecated" run fk cgroup set "$cg/a"
	expect "extack warning on success" 0 "" "warning: kernel: class online is deprecated"

	rmdir "$cgdir/c d"
	run fk cgroup list
	expect "removed cgroups leave the registry" 0 - ""
	[ "$(wc -l <<<"$out")" = 1 ] && pass "one entry left" ||
		fail "one entry left" "$out"
fi

# ---- monitor ----

events="set,5,2,100;other;bad;del,5,1;set,6,1,7;del,6,0"
FAKE_STRATOS_EVENTS=$events run fk monitor count 3
expect_out "monitor, text" "set cgroup id 5 class offline weight 100
del cgroup id 5 reason cgroup-removed
set cgroup id 6 class online weight 7"
expect "monitor says 'listening' on stderr" 0 - "^stratosctl: listening"
expect "monitor skips malformed notifications" 0 - \
	"warning: skipping a malformed set notification"
FAKE_STRATOS_EVENTS=$events run fk -j monitor count=4
expect_out "monitor, JSON lines" '{"event":"set","id":5,"class":"offline","weight":100}
{"event":"del","id":5,"reason":"cgroup-removed"}
{"event":"set","id":6,"class":"online","weight":7}
{"event":"del","id":6,"reason":"requested"}'

# Batch lines of up to 4095 characters, with or without their newline.
long=$(printf 'info%4089s#x' '')
printf '%s\n%s' "$long" "$long" >"$tmp/batch-long"
run fk -b "$tmp/batch-long"
expect "batch: lines of 4095 characters" 0 "^module_version" ""
printf '%s \n' "$long" >"$tmp/batch-long"
run fk -b "$tmp/batch-long"
expect "batch: a line of 4096 characters" 2 "" "line longer than 4095 characters"

# A monitor inside a batch, then a request: the batch goes on and both
# lines print. (The monitor listens on a socket of its own, so that the
# shared one stays blocking and unsubscribed; the fake answers at once,
# so these cases do not see that difference: they passed before it too.)
printf 'monitor count 1\ninfo\n' >"$tmp/batch-mon"
FAKE_STRATOS_EVENTS=$events run fk -b "$tmp/batch-mon"
expect "batch: a request after monitor" 0 "^module_version 0\.1\.0-fake$" -
expect "batch: the monitor's event" 0 "^set cgroup id 5 " -

for sig in INT TERM; do
	# Fresh files: "listening" must come from this run, which has its
	# signal handlers in place once it says so. exec, so that $! is
	# stratosctl itself.
	mout=$tmp/mon-$sig.out
	merr=$tmp/mon-$sig.err
	(export LD_PRELOAD=$fake FAKE_STRATOS_STATE=$tmp/state
	 exec "$stratosctl" monitor) >"$mout" 2>"$merr" &
	pid=$!
	for _ in $(seq 100); do
		grep -q listening "$merr" 2>/dev/null && break
		sleep 0.1
	done
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$mout" ]; then
		pass "monitor stops on SIG$sig"
	else
		fail "monitor stops on SIG$sig" "exit status $rc" \
			"$(cat "$mout" "$merr")"
	fi
done

# ---- valgrind ----

vg() {
	valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 "$@"
}

if [ "${VALGRIND:-1}" = 0 ] || ! command -v valgrind >/dev/null; then
	skip "valgrind" "valgrind not installed or VALGRIND=0"
else
	for args in "info" "-j cgroup list" "cgroup set / weight 0" \
		"cgroup show /stratosctl-no-such-cgroup" "frob" "--help"; do
		# shellcheck disable=SC2086
		run vg "$stratosctl" $args
		[ "$rc" != 99 ] && pass "valgrind: $args" ||
			fail "valgrind: $args" "$err"
	done
	export FAKE_STRATOS_STATE=$tmp/state FAKE_STRATOS_CGROOT=${cgroot:-/}
	for args in "info" "-p info" "cgroup list" \
		${cgroot:+"cgroup set $cg/a weight 9" "cgroup show $cg/a" "cgroup show $cg/b" "cgroup del $cg/a"}; do
		# shellcheck disable=SC2086
		run env LD_PRELOAD="$fake" valgrind -q --leak-check=full \
			--show-leak-kinds=all --errors-for-leak-kinds=all \
			--error-exitcode=99 "$stratosctl" $args
		[ "$rc" != 99 ] && pass "valgrind, fake kernel: $args" ||
			fail "valgrind, fake kernel: $args" "$err"
	done
	FAKE_STRATOS_EVENTS=$events run env LD_PRELOAD="$fake" valgrind -q \
		--leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$stratosctl" -j monitor count 2
	[ "$rc" = 0 ] && pass "valgrind, fake kernel: monitor" ||
		fail "valgrind, fake kernel: monitor" "$err"
fi

echo "1..$n"
echo "cli-test: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
