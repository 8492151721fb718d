#!/bin/sh
# Install the Debian packages wca-scheduler needs to build, test and
# benchmark.  Idempotent and non-interactive: does nothing when everything
# is present; otherwise runs apt-get (as root, or through sudo).
set -eu

PKGS="build-essential pkg-config libinih-dev libjsmn-dev libbearssl-dev
musl-tools python3 curl openssl wrk prometheus-node-exporter
groff-base systemd python3-yaml clang libclang-rt-14-dev valgrind
gnuplot-nox"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "vendor/deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
