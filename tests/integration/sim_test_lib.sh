# shellcheck shell=bash
# Fixture for shell integration tests: a private temp dir, a c1sim on port 0
# (--port-file) and a moto_server on a free port, all removed on exit by one
# EXIT trap, so `ctest -j` is safe. Source it:
#
#   source "$(dirname "$0")/sim_test_lib.sh"
#   sim_need aws                # exit 77 (ctest SKIP) when a tool is missing
#   sim_gen 5                   # c1sim gen 5 "$SIM_DIR/u" -> $SIM_UNIVERSE
#   sim_start --time-scale 0.01 # c1sim on port 0 -> $SIM_PORT, $SIM_URL
#   moto_start                  # moto_server -> $MOTO_URL
#   ...; sim_stop               # SIGTERM; fails on an unclean exit or a sanitizer report
#
# C1SIM names the binary (default: build/c1sim next to the sources). The
# Python tests use simtest.py, the same fixture in Python.

SIM_SKIP=77
SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/c1sim-test.XXXXXX")
SIM_PID=
MOTO_PID=
SIM_UNIVERSE=
C1SIM=${C1SIM:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/c1sim}

sim_log() { printf '%s\n' "$*" >&2; }
sim_fail() {
	sim_log "FAIL: $*"
	exit 1
}
sim_skip() {
	sim_log "SKIP: $*"
	exit "$SIM_SKIP"
}

sim_cleanup() {
	local pidfile
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	[ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
	# A server env.sh started in the background (it records its pid).
	pidfile="$SIM_UNIVERSE/c1sim.pid"
	if [ -n "$SIM_UNIVERSE" ] && [ -s "$pidfile" ]; then
		kill "$(cat "$pidfile")" 2>/dev/null
	fi
	if [ -n "${C1_KEEP_TMP:-}" ]; then
		sim_log "kept $SIM_DIR"
	else
		rm -rf "$SIM_DIR"
	fi
}
trap sim_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# sim_need TOOL...: skip when a reference tool is missing.
sim_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || sim_skip "$t is not installed; this test needs it"
	done
}

# An environment with no AWS_* from the caller's shell and a private HOME
# (the CLI caches assumed-role credentials under ~/.aws/cli/cache).
sim_clean_env() {
	local v
	for v in $(compgen -e | grep '^AWS_'); do
		unset "$v"
	done
	export HOME="$SIM_DIR/home"
	mkdir -p "$HOME"
	export AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
}

# sim_gen N [ARGS...]: a universe in $SIM_DIR/u.
sim_gen() {
	[ -x "$C1SIM" ] || sim_fail "c1sim not found at $C1SIM (set C1SIM, build with -DC1_BUILD_SIM=ON)"
	SIM_UNIVERSE="$SIM_DIR/u"
	"$C1SIM" gen "$@" "$SIM_UNIVERSE" >"$SIM_DIR/gen.log" 2>&1 || sim_fail "c1sim gen $*: $(cat "$SIM_DIR/gen.log")"
}

# sim_wait_http URL PID SECONDS: until URL answers, PID dies, or the deadline.
sim_wait_http() {
	local url=$1 pid=$2 end=$((SECONDS + $3))
	while [ "$SECONDS" -le "$end" ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -s -o /dev/null --max-time 1 "$url" && return 0
		sleep 0.05
	done
	return 1
}

# sim_start [ARGS...]: c1sim on port 0; its port file is $SIM_UNIVERSE/c1sim.port
# (what env.sh reads) when a universe exists, else $SIM_DIR/c1sim.port.
sim_start() {
	[ -x "$C1SIM" ] || sim_fail "c1sim not found at $C1SIM (set C1SIM, build with -DC1_BUILD_SIM=ON)"
	local pf="${SIM_UNIVERSE:-$SIM_DIR}/c1sim.port" _
	rm -f "$pf"
	"$C1SIM" --port 0 --port-file "$pf" "$@" >"$SIM_DIR/c1sim.log" 2>&1 &
	SIM_PID=$!
	for _ in $(seq 200); do
		[ -s "$pf" ] && break
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	SIM_PORT=$(cat "$pf" 2>/dev/null)
	case "$SIM_PORT" in
	'' | *[!0-9]*) sim_fail "c1sim wrote no port to $pf: $(tail -c 2000 "$SIM_DIR/c1sim.log")" ;;
	esac
	SIM_URL="http://127.0.0.1:$SIM_PORT"
	sim_wait_http "$SIM_URL/_sim/state" "$SIM_PID" 10 || sim_fail "c1sim does not answer at $SIM_URL"
	export SIM_PORT SIM_URL
}

# sim_stop: SIGTERM; c1sim must exit 0 and print no sanitizer report.
sim_stop() {
	local rc
	[ -n "$SIM_PID" ] || return 0
	kill "$SIM_PID"
	wait "$SIM_PID"
	rc=$?
	SIM_PID=
	if grep -qE 'Sanitizer|runtime error:' "$SIM_DIR/c1sim.log"; then
		sim_fail "c1sim reported a sanitizer error: $(tail -c 3000 "$SIM_DIR/c1sim.log")"
	fi
	[ "$rc" -eq 0 ] || sim_fail "c1sim exited with $rc after SIGTERM: $(tail -c 2000 "$SIM_DIR/c1sim.log")"
}

# sim_state: GET /_sim/state to stdout.
sim_state() {
	curl -sf "$SIM_URL/_sim/state"
}

# sim_free_port: a port the kernel just handed out (moto cannot take port 0).
sim_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# moto_start: moto_server on a free port -> $MOTO_URL (account 123456789012).
moto_start() {
	sim_need moto_server
	local attempt port
	for attempt in 1 2 3; do
		port=$(sim_free_port)
		moto_server -H 127.0.0.1 -p "$port" >"$SIM_DIR/moto.log" 2>&1 &
		MOTO_PID=$!
		MOTO_URL="http://127.0.0.1:$port"
		if sim_wait_http "$MOTO_URL/moto-api/" "$MOTO_PID" 30; then
			export MOTO_URL
			return 0
		fi
		kill "$MOTO_PID" 2>/dev/null
		wait "$MOTO_PID" 2>/dev/null
		MOTO_PID=
	done
	sim_fail "moto_server did not start (attempt $attempt): $(tail -c 2000 "$SIM_DIR/moto.log")"
}

moto_stop() {
	[ -n "$MOTO_PID" ] || return 0
	kill "$MOTO_PID" 2>/dev/null
	wait "$MOTO_PID" 2>/dev/null
	MOTO_PID=
}

# jq-free JSON access: json_get FILE EXPR prints eval(EXPR) with d = the
# parsed document (strings bare, everything else as JSON).
json_get() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}
