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
