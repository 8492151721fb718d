#!/bin/sh
# Fetch Debian's BearSSL source package (the version pinned in
# vendor/versions) into build/vendor/ and build libbearssl.a with
# musl-gcc, for `make static BEARSSL_A=build/vendor/bearssl.a`.
#
# `make release` runs it; once build/vendor/bearssl.a exists, `make
# static` links it instead of Debian's own libbearssl.a (which needs
# src/compat/fortify_chk.c for the glibc checks it calls).  Debian builds
# BearSSL -Os; its hot code at -O3 here is what takes full P-256
# handshakes past 1000/s (bench/RESULTS.md).  Nothing fetched is
# committed: build/ is ignored.
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
# As Debian builds it (-Os), then the code a full handshake spends its
# time in (curve and big-integer arithmetic, ECDSA, SHA-256, the handshake
# engine) again at -O3: all of it at -O3 makes the binary 50 KB larger
# for the same handshake rate.  The build directory names the recipe:
# BearSSL's makefile does not rebuild objects when only flags change.
B=build-musl-hot
make -s -j2 CONF=Unix BUILD=$B CC=musl-gcc LD=musl-gcc AR=ar \
	CFLAGS='-W -Wall -Os -fPIC -fno-stack-protector' DLL=no TOOLS=no TESTS=no
HOT="src/ec/ec_p256_m31.c src/ec/ec_c25519_m31.c src/ec/ec_prime_i31.c
	$(ls src/ec/ecdsa_i31_*.c src/int/i31_*.c)
	src/hash/sha2small.c src/ssl/ssl_hs_server.c src/ssl/ssl_engine.c"
objs=""
for f in $HOT; do
	o=$B/obj/$(basename "${f%.c}").o
	musl-gcc -W -Wall -O3 -fPIC -fno-stack-protector -Iinc -Isrc -c -o "$o" "$f"
	objs="$objs $o"
done
ar r $B/libbearssl.a $objs
cp $B/libbearssl.a "$OUT/bearssl.a"
echo "fetch-debian-src: built $OUT/bearssl.a from bearssl $VERSION"
