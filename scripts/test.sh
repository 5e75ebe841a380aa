#!/usr/bin/env bash
# The test command: installs what is missing, builds with sanitizers and runs
# every test through ctest. Also checks that gcc compiles the tree warning-free.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
# A second compiler catches warnings the first one misses; compile only.
cmake -S . -B build-gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release -DC1_WERROR=ON -DC1_BUILD_TESTS=ON >/dev/null
cmake --build build-gcc -j"$jobs" >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build --output-on-failure -j"$jobs" "$@"

# The .deb an MSP installs, from the release build above: unpacked into a scratch root and run.
if [ $# -eq 0 ]; then
	tests/package/install_layout.sh build-gcc
fi

# ThreadSanitizer pass over the threaded parts (scheduler, rate limiter, shared
# transport and credentials, state store, report spool) and one whole engine
# run. Only on a full run, and only with clang.
if [ $# -eq 0 ] && command -v clang >/dev/null 2>&1; then
	cmake -S . -B build-tsan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_C_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
	cmake --build build-tsan -j"$jobs" --target unit_scheduler unit_ratelimit unit_http_policy \
		unit_credentials unit_state unit_http_curl unit_report_spool c1onboard c1sim >/dev/null
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j"$jobs" \
		-R '^unit\.(scheduler|ratelimit|http_policy|credentials|state|http_curl|report_spool)\.|^integration\.engine_smoke$'
fi
