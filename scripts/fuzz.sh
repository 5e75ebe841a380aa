#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 60), one after another (the machine is
# shared), prints the executions each reached, and merges the inputs that found new coverage into
# tests/fuzz/corpus/<target>/, where the replay tests (ctest -L fuzz) keep them. A crash or leak
# fails the script; its input is copied into the corpus so the replay fails until the parser is
# fixed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# C1_FUZZ_BUILD: build directory (default build-fuzz; configured with clang + sanitizers when
# missing). C1_FUZZ_MAX_LEN: largest input tried (default 8192).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${C1_FUZZ_BUILD:-build-fuzz}
max_len=${C1_FUZZ_MAX_LEN:-8192}
all=(csv_intake aws_config aws_xml api_error trend_json deployment_url sigv4 sim_request)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DC1_SANITIZE=ON -DC1_WERROR=ON -DC1_FUZZ=ON \
		-DC1_BUILD_TESTS=ON >/dev/null || exit 1
fi
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null || {
	echo "fuzz.sh: building the targets failed (clang with libFuzzer and -DC1_FUZZ=ON needed)" >&2
	exit 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-16s %14s %10s %8s %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	work=$build/fuzz/$t
	mkdir -p "$work/corpus" "$work/artifacts" "$seeds"
	rm -f "$work"/artifacts/* # only what this run finds
	log=$work/run.log
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	result=ok
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
	count=$(find "$seeds" -type f | wc -l)
	printf '%-16s %14s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$count" "$result"
done
exit $failed
