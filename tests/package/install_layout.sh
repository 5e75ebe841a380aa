#!/usr/bin/env bash
# The package, as an MSP installs it (issue 11): cpack builds the .deb from a release build
# (gcc, no sanitizers), dpkg -x unpacks it into a scratch root (no chroot, no root needed),
# and the unpacked tool must run: --version, validate on the packaged example, the man page
# rendering without warnings and naming every command, option and exit code that --help does,
# and the bash/zsh completion offering exactly --help's options for each command.
#   tests/package/install_layout.sh BUILD_DIR        (a configured, built release build)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: install_layout.sh BUILD_DIR}" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/c1pkg.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
fail() { echo "install_layout: FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1) || { cat "$scratch/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$scratch"/out/c1onboard_*.deb 2>/dev/null | head -1)
[ -f "$deb" ] || fail "no .deb in $scratch/out"
dpkg-deb -f "$deb" Package Version Depends >"$scratch/control"
grep -q '^Package: c1onboard' "$scratch/control" || fail "package name: $(cat "$scratch/control")"
for lib in libcurl libjansson libsqlite3 libxml2 libssl libcsv; do
	grep -q "Depends:.*$lib" "$scratch/control" || fail "Depends lacks $lib: $(cat "$scratch/control")"
done
root=$scratch/root
dpkg-deb -x "$deb" "$root"
bin=$root/usr/bin/c1onboard
for f in usr/bin/c1onboard usr/share/man/man1/c1onboard.1 usr/share/bash-completion/completions/c1onboard \
	usr/share/zsh/vendor-completions/_c1onboard usr/share/doc/c1onboard/examples/accounts.csv \
	usr/share/doc/c1onboard/examples/cron/c1onboard-cron.sh usr/share/doc/c1onboard/README.md; do
	[ -f "$root/$f" ] || fail "the package lacks /$f"
done

# The release binary: runs, says its version, carries no sanitizer runtime.
version=$("$bin" --version)
[ "$version" = "c1onboard $(sed -n 's/^project(c1onboard VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")" ] ||
	fail "--version said '$version'"
if nm -D "$bin" 2>/dev/null | grep -q '__asan_\|__ubsan_\|__tsan_'; then fail "the packaged binary has a sanitizer"; fi

# validate on the packaged example (offline): its profiles and secret references.
ex=$root/usr/share/doc/c1onboard/examples
out=$(env -i PATH=/usr/bin:/bin HOME="$scratch" AWS_CONFIG_FILE="$ex/aws/config" \
	AWS_SHARED_CREDENTIALS_FILE="$ex/aws/credentials" C1_API_KEY_T1=k1:s1 V1_TOKEN_T1=t1 C1_API_KEY_T2=k2:s2 \
	V1_TOKEN_T2=t2 "$bin" validate "$ex/accounts.csv" 2>&1) || fail "validate on the packaged example: $out"
echo "$out" | grep -q "accounts valid" || fail "validate said: $out"

# The man page renders without warnings and covers what --help covers.
man_text=$(MANWIDTH=200 man --warnings -l "$root/usr/share/man/man1/c1onboard.1" 2>"$scratch/man.err")
[ ! -s "$scratch/man.err" ] || fail "man page warnings: $(cat "$scratch/man.err")"
commands="validate plan apply drift offboard report"
for c in $commands config; do
	echo "$man_text" | grep -q "c1onboard $c" || fail "the man page lacks the command $c"
done
for code in 0 1 2 64 65 70 75 78; do
	echo "$man_text" | grep -qE "^ +$code\$|^ +$code +" || fail "the man page lacks exit status $code"
done
options_of() { "$bin" "$1" --help | grep -oE '^\s+(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u; }
for c in $commands; do
	for o in $(options_of "$c"); do
		echo "$man_text" | grep -q -- "$o" || fail "the man page lacks $o (of $c)"
	done
	# bash completion offers exactly --help's options
	got=$(bash -c 'source "$1"; COMP_WORDS=(c1onboard "$2" --); COMP_CWORD=2; _c1onboard; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$root/usr/share/bash-completion/completions/c1onboard" "$c" | sort -u)
	[ "$got" = "$(options_of "$c")" ] || fail "bash completion of $c: $(echo $got) vs --help: $(echo $(options_of "$c"))"
	zline=$(grep -E "^\s+$c\) opts=" "$root/usr/share/zsh/vendor-completions/_c1onboard" | grep -oE -- '--[a-z-]+' | sort -u)
	[ "$zline" = "$(options_of "$c")" ] || fail "zsh completion of $c differs from --help"
done
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$root/usr/share/zsh/vendor-completions/_c1onboard" || fail "zsh completion syntax"
fi
echo "install_layout: ok ($(basename "$deb"), $(du -k "$deb" | cut -f1) KiB)"
