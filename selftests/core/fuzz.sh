# SPDX-License-Identifier: GPL-2.0
#
# The netlink fuzzer, as root and unprivileged, with a fixed seed. The full
# million-message run is 'make fuzz'; make check runs STRATOS_FUZZ_COUNT.
# Sourced by suite.sh.

NL_FUZZ=/src/build/netlink/nl_fuzz
FUZZ_SEED=${STRATOS_FUZZ_SEED:-20261122}
FUZZ_COUNT=${STRATOS_FUZZ_COUNT:-100000}

test_fuzz_root() {
	load_module
	"$NL_FUZZ" -s "$FUZZ_SEED" -n "$FUZZ_COUNT"
	stratosctl info >/dev/null
	rmmod stratos
}

test_fuzz_unprivileged() {
	load_module
	"$NL_FUZZ" --unpriv --uid "$(id -u stratostest)" -s "$FUZZ_SEED" \
		-n $((FUZZ_COUNT / 4))
	stratosctl info >/dev/null
	rmmod stratos
}

run_test "fuzz: netlink family as root (seed $FUZZ_SEED, $FUZZ_COUNT messages)" test_fuzz_root
run_test "fuzz: netlink family unprivileged (seed $FUZZ_SEED)" test_fuzz_unprivileged
unload_module
