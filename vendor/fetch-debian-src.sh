#!/bin/sh
# Fetch Debian's BearSSL source package (the version pinned in
# vendor/versions) into build/vendor/ and build libbearssl.a with
# musl-gcc, for `make static BEARSSL_A=build/vendor/bearssl.a`.
#
# Optional: the default static build links Debian's own libbearssl.a (with
# src/compat/fortify_chk.c for the glibc checks it calls).  This path is
# for a BearSSL built for musl from the same Debian source, e.g. to build
# it with other flags.  Nothing fetched is committed: build/ is ignored.
#
# Needs a deb-src entry; one is added (a copy of the system's deb entry
# with Types: deb-src) when apt has none.  Idempotent; exits non-zero
# with the reason when the source cannot be had (a partial mirror 404s).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/build/vendor
VERSION=$(sed -n 's/^libbearssl-dev=//p' vendor/versions)
[ -n "$VERSION" ] || { echo "fetch-debian-src: no libbearssl-dev version in vendor/versions" >&2; exit 1; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
	src=/etc/apt/sources.list.d/debian.sources
	[ -f "$src" ] || { echo "fetch-debian-src: no $src to copy a deb-src entry from" >&2; exit 1; }
	echo "fetch-debian-src: adding a deb-src entry" >&2
	sed 's/^Types: deb$/Types: deb-src/' "$src" |
		$SUDO tee /etc/apt/sources.list.d/wca-scheduler-src.sources >/dev/null
	$SUDO apt-get update -qq
fi
command -v dpkg-source >/dev/null || $SUDO apt-get install -y -qq dpkg-dev >/dev/null

mkdir -p "$OUT"
cd "$OUT"
if [ ! -d bearssl-src ]; then
	rm -rf fetch && mkdir fetch && cd fetch
	apt-get source --download-only "bearssl=$VERSION"
	dpkg-source -x ./*.dsc ../bearssl-src >/dev/null
	cd .. && rm -rf fetch
fi
cd bearssl-src
make -s -j2 CONF=Unix BUILD=build-musl CC=musl-gcc LD=musl-gcc AR=ar \
	CFLAGS='-W -Wall -O2 -fPIC -fno-stack-protector' DLL=no TOOLS=no TESTS=no
cp build-musl/libbearssl.a "$OUT/bearssl.a"
echo "fetch-debian-src: built $OUT/bearssl.a from bearssl $VERSION"
