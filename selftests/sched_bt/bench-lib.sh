# SPDX-License-Identifier: GPL-2.0
#
# The online service of the offline-class benchmarks (bench.sh,
# bench-smt.sh): nginx in the foreground (not a daemon, so that its pid
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
