#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 60), one after another (the machine is
# shared), prints the executions each reached, and merges the inputs that found new coverage into
# tests/fuzz/corpus/<target>/, where the replay tests (ctest -L fuzz) keep them. A crash or leak
# fails the script; its input is copied into the corpus so the replay fails until the parser is
# fixed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# C1_FUZZ_BUILD: build directory (default build-fuzz; configured with clang + sanitizers when
# missing). C1_FUZZ_MAX_LEN: largest input tried (default 8192). C1_FUZZ_JOBS: targets run
# at once (default 1; one core each). C1_FUZZ_RUNS: stop a target after that many executions
# (e.g. 10000000), SECONDS still capping it.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${C1_FUZZ_BUILD:-build-fuzz}
max_len=${C1_FUZZ_MAX_LEN:-8192}
all=(csv_intake aws_config aws_xml api_error trend_json deployment_url sigv4 sim_request)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

jobs=${C1_FUZZ_JOBS:-1}
# RelWithDebInfo (-O2 -g), as CMakeLists.txt defaults to; named here so a cache configured
# otherwise is not reused.
if [ ! -f "$build/CMakeCache.txt" ] || ! grep -q '^CMAKE_BUILD_TYPE:STRING=RelWithDebInfo' "$build/CMakeCache.txt"; then
	cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC1_SANITIZE=ON \
		-DC1_WERROR=ON -DC1_FUZZ=ON -DC1_BUILD_TESTS=ON >/dev/null || exit 1
fi
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null || {
	echo "fuzz.sh: building the targets failed (clang with libFuzzer and -DC1_FUZZ=ON needed)" >&2
	exit 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
printf '%-16s %14s %10s %8s %s\n' target executions exec/s corpus result
# One target: fuzz, keep a crash's input, merge new coverage; prints its line, exits 1 on a find.
run_target() {
	local t=$1 bin=$build/tests/fuzz_$1 seeds=tests/fuzz/corpus/$1 work=$build/fuzz/$1
	mkdir -p "$work/corpus" "$work/artifacts" "$seeds"
	rm -f "$work"/artifacts/* # only what this run finds
	local log=$work/run.log
	"$bin" -max_total_time="$seconds" ${C1_FUZZ_RUNS:+-runs=$C1_FUZZ_RUNS} -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$log" 2>&1
	local rc=$?
	local execs rate result=ok failed=0
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	if [ $rc -ne 0 ]; then
		result="FAILED (rc $rc, log $log)"
		failed=1
		for a in "$work"/artifacts/*; do
			[ -f "$a" ] || continue
			cp "$a" "$seeds/$(basename "$a")"
			result="$result; input kept as $seeds/$(basename "$a")"
		done
	fi
	# Keep only inputs that add coverage over what the corpus already has.
	"$bin" -merge=1 -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/merge-" \
		"$seeds" "$work/corpus" \
		>"$work/merge.log" 2>&1 || true
	local count
	count=$(find "$seeds" -type f | wc -l)
	printf '%-16s %14s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$count" "$result"
	return $failed
}

failed=0
running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
	run_target "$t" &
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=1
	running=$((running - 1))
done
exit $failed
