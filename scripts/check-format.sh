#!/usr/bin/env bash
# Fails when a C file differs from the repo's .clang-format.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed; skipped"; exit 0; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null; git ls-files -o --exclude-standard '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || exit 0
clang-format --dry-run -Werror $files
