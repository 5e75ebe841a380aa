#!/usr/bin/env bash
# Installs the Debian packages c1onboard needs to build, test and demo
# (chromium: the headless browser integration.report_html_browser drives).
# Idempotent: does nothing when everything is there. As root it runs apt-get;
# otherwise it prints the exact command and stops.
set -euo pipefail

packages=(build-essential cmake pkg-config clang libclang-rt-dev
	libcurl4-openssl-dev libcsv-dev libjansson-dev libssl-dev libsqlite3-dev
	libxml2-dev libmicrohttpd-dev python3 curl
	chromium)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# The AWS CLI is the outside reference the simulator conformance tests use;
# any aws on PATH will do, else Debian's awscli.
if ! command -v aws >/dev/null 2>&1; then
	missing+=(awscli)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "c1onboard needs these Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
