# SPDX-License-Identifier: GPL-2.0
#
# Malformed and unauthorised netlink messages, sent raw by nl_malformed.
# Sourced by suite.sh.

NL_MALFORMED=/src/build/netlink/nl_malformed

test_netlink_malformed_root() {
	load_module
	"$NL_MALFORMED"
}

nl_unpriv_prepare() {
	load_module
	cg_create unpriv >/dev/null
	cg_id "$CGTEST/unpriv"
}

test_netlink_malformed_unprivileged() {
	local id
	trap cg_cleanup EXIT
	id=$(nl_unpriv_prepare)
	setpriv --reuid=stratostest --regid=stratostest --clear-groups \
		"$NL_MALFORMED" --unpriv --cgroup-id "$id"
}

test_netlink_malformed_user_namespace() {
	local id
	trap cg_cleanup EXIT
	id=$(nl_unpriv_prepare)
	unshare -Ur "$NL_MALFORMED" --unpriv --cgroup-id "$id"
}

run_test "netlink: malformed messages get clear errors" test_netlink_malformed_root
run_test "netlink: unprivileged user gets EPERM on mutations" test_netlink_malformed_unprivileged
run_test "netlink: user-namespace root gets EPERM on mutations" test_netlink_malformed_user_namespace
unload_module
