# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The online service of the offline-class benchmarks (bench.sh,
# bench-smt.sh, bench-acct.sh): nginx in the foreground (not a daemon, so that its pid
# and its cgroup hold all of it), from a config in a scratch directory
# (the root filesystem is read-only), serving a 4 KiB file on loopback.
# Sourced; not a benchmark itself.

SVC_PORT=8088

# nginx_setup DIR WORKERS: DIR's www/index.html, tmp/ and nginx.conf,
# every path nginx writes inside DIR.
nginx_setup() {
	mkdir -p "$1/www" "$1/tmp"
	head -c 4096 /dev/zero | tr '\0' x >"$1/www/index.html"
	cat >"$1/nginx.conf" <<-EOF
	daemon off;
	user root;
	worker_processes $2;
	pid $1/nginx.pid;
	error_log $1/error.log;
	events { worker_connections 1024; }
	http {
		access_log off;
		keepalive_requests 100000000;
		client_body_temp_path $1/tmp;
		proxy_temp_path $1/tmp;
		fastcgi_temp_path $1/tmp;
		uwsgi_temp_path $1/tmp;
		scgi_temp_path $1/tmp;
		server {
			listen 127.0.0.1:$SVC_PORT;
			root $1/www;
		}
	}
	EOF
}

# nginx_wait PID DIR: wait up to 10 s for nginx (PID, config in DIR) to
# listen; 1, with its error log on stderr, if it died or never did.
nginx_wait() {
	local n=100
	until (exec 3<>"/dev/tcp/127.0.0.1/$SVC_PORT") 2>/dev/null; do
		n=$((n - 1))
		if [ "$n" = 0 ] || ! kill -0 "$1" 2>/dev/null; then
			echo "nginx did not start:" >&2
			cat "$2/error.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

# empty_cg DIR: end every task in DIR; kill_cg DIR: and remove it.
empty_cg() {
	echo 1 >"$1/cgroup.kill"
	while grep -q "populated 1" "$1/cgroup.events"; do sleep 0.1; done
}

kill_cg() {
	[ -d "$1" ] || return 0
	empty_cg "$1"
	rmdir "$1"
}

# in_cg DIR CMD...: run CMD in the background inside DIR (it joins the
# cgroup before it execs) and leave its pid in $!. Disowned: the cgroup is
# killed as a whole, and bash need not report each job's death.
in_cg() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" &
	disown
}

# svc_start: the SMT benchmarks' service, all on CPU 0, in the caller's
# online cgroup $ON_CG: nginx (one worker; in the foreground, not a daemon,
# so that the cgroup holds all of it) serving wrk, whose 4 connections wait
# a random 0-8 ms between requests. Sets svc_dir (the scratch directory,
# removed first if set).
svc_start() {
	local nginx_pid
	[ -n "$svc_dir" ] && rm -rf "$svc_dir"
	svc_dir=$(mktemp -d)
	nginx_setup "$svc_dir" 1
	cat >"$svc_dir/gap.lua" <<-'EOF'
	function delay()
		return math.random(0, 8)
	end
	EOF
	in_cg "$ON_CG" taskset -c 0 nginx -p "$svc_dir" \
		-c "$svc_dir/nginx.conf" -e "$svc_dir/error.log"
	nginx_pid=$!
	nginx_wait "$nginx_pid" "$svc_dir" || return 1
	# Longer than any row; killed with the cgroup.
	in_cg "$ON_CG" taskset -c 0 wrk -t1 -c4 -d1h -s "$svc_dir/gap.lua" \
		"http://127.0.0.1:$SVC_PORT/index.html" >/dev/null 2>&1
}
