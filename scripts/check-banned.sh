#!/usr/bin/env bash
# Fails when product or simulator code calls a banned function (STYLE.md 6):
# unbounded string calls, unchecked number parsing, and bare allocation (use
# c1_malloc & co., which abort on out-of-memory). A line can opt out with a
# NOLINT comment that says why.
set -uo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|sscanf|strtok|malloc|calloc|realloc|strdup|strndup)[[:space:]]*\('
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' batch engine reports tests/sim 2>/dev/null \
	| grep -v 'NOLINT' \
	| grep -vE '\bc1_(malloc|calloc|realloc|strdup|strndup)\b' \
	| grep -vE '^\S+:[0-9]+:\s*(/?\*|//)' || true)
# Drop matches that are only the c1_ wrappers (the grep above keeps lines that
# also contain a bare call).
bad=$(printf '%s\n' "$hits" | grep -E "(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|sscanf|strtok|malloc|calloc|realloc|strdup|strndup)[[:space:]]*\(" | grep -vE "c1_(malloc|calloc|realloc|strdup|strndup)[[:space:]]*\(" || true)
if [ -n "$bad" ]; then
	echo "banned functions (see STYLE.md 6):"
	echo "$bad"
	exit 1
fi
exit 0
