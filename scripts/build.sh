#!/usr/bin/env bash
# Configures and builds build/ (the one tree the demo and the tests share):
# clang when present (so the libFuzzer targets build too), ASan+UBSan on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cc=gcc
fuzz=OFF
if command -v clang >/dev/null 2>&1; then
	cc=clang
	fuzz=ON
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_C_COMPILER="$cc" -DC1_SANITIZE=ON -DC1_WERROR=ON -DC1_FUZZ="$fuzz" >/dev/null
cmake --build build -j"$jobs"
