#!/bin/sh
# A self-contained CA for wca-scheduler and kube-scheduler, with openssl.
#
#   contrib/certs/make-certs.sh [OUTDIR]          (default: ./wca-certs)
#
# Writes, into OUTDIR:
#   ca.crt, ca.key                  the CA (ECDSA P-256); ca.crt is both
#                                   client_ca for wca-scheduler and
#                                   tlsConfig.caFile for kube-scheduler
#   tls.crt, tls.key                wca-scheduler's serving certificate
#                                   (tls_cert, tls_key)
#   kube-scheduler.crt, .key        kube-scheduler's client certificate,
#                                   CN system:kube-scheduler
#                                   (tlsConfig.certFile, keyFile)
# Environment:
#   SERVICE_DNS  DNS names for the serving certificate, comma-separated
#                (default: wca-scheduler.kube-system.svc,localhost)
#   NODE_IPS     IPs, comma-separated (default: 127.0.0.1)
#   DAYS         validity of the leaf certificates (default 365; the CA
#                gets ten times that)
# An existing CA in OUTDIR is reused, so rerunning renews the leaves only.
set -eu
OUT=${1:-wca-certs}
SERVICE_DNS=${SERVICE_DNS:-wca-scheduler.kube-system.svc,localhost}
NODE_IPS=${NODE_IPS:-127.0.0.1}
DAYS=${DAYS:-365}
umask 077
mkdir -p "$OUT"
cd "$OUT"

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }

if [ ! -f ca.key ] || [ ! -f ca.crt ]; then
	key ca.key
	openssl req -x509 -new -key ca.key -sha256 -days $((DAYS * 10)) \
		-subj "/CN=wca-scheduler CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
fi

san=""
for d in $(echo "$SERVICE_DNS" | tr ',' ' '); do san="${san:+$san,}DNS:$d"; done
for i in $(echo "$NODE_IPS" | tr ',' ' '); do san="${san:+$san,}IP:$i"; done

leaf() {	# name CN extensions
	key "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	printf '%s\n' "$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -sha256 \
		-set_serial "0x$(openssl rand -hex 12)" -days "$DAYS" \
		-extfile "$1.ext" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}
leaf tls wca-scheduler "subjectAltName=$san
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth"
leaf kube-scheduler system:kube-scheduler "keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
chmod 0644 ca.crt tls.crt kube-scheduler.crt
echo "make-certs: wrote $(pwd): ca.crt tls.crt tls.key kube-scheduler.crt kube-scheduler.key (SANs: $san)"
