#!/bin/sh
# wca-scheduler's serving certificate from the cluster's own CA, through
# the certificates.k8s.io/v1 CertificateSigningRequest flow, into a Secret.
#
#   contrib/certs/k8s-csr.sh [--print] NAMESPACE SECRET DNS[,DNS...] [SIGNER]
#
# SIGNER defaults to kubernetes.io/kubelet-serving, which the cluster CA
# signs but which requires the CSR's subject to be system:node:NAME in
# system:nodes, so most clusters use a custom signer (e.g. cert-manager's
# or example.com/wca-scheduler with a signing controller); pass its name.
# Steps: make a P-256 key and a CSR with the DNS names, submit it, approve
# it (needs the right to approve for that signer), wait for the
# certificate, store tls.key/tls.crt and the cluster CA (ca.crt) in the
# Secret.  --print writes the CertificateSigningRequest manifest to
# standard output and stops (no kubectl needed).
set -eu
PRINT=0
[ "${1:-}" = "--print" ] && { PRINT=1; shift; }
[ $# -ge 3 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
NS=$1 SECRET=$2 DNS=$3 SIGNER=${4:-kubernetes.io/kubelet-serving}
NAME="wca-scheduler-$(date +%s)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
umask 077

openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/tls.key"
san=""
for d in $(echo "$DNS" | tr ',' ' '); do san="${san:+$san,}DNS:$d"; done
first=$(echo "$DNS" | cut -d, -f1)
openssl req -new -key "$WORK/tls.key" -subj "/CN=$first" \
	-addext "subjectAltName=$san" -out "$WORK/tls.csr"

manifest() {
	cat <<YAML
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: $NAME
spec:
  request: $(base64 -w0 <"$WORK/tls.csr")
  signerName: $SIGNER
  expirationSeconds: 31536000
  usages:
    - digital signature
    - key encipherment
    - server auth
YAML
}
if [ "$PRINT" = 1 ]; then
	manifest
	exit 0
fi
manifest | kubectl apply -f -
kubectl certificate approve "$NAME"
i=0
until crt=$(kubectl get csr "$NAME" -o jsonpath='{.status.certificate}') && [ -n "$crt" ]; do
	i=$((i + 1))
	[ $i -le 60 ] || { echo "k8s-csr: $NAME not signed within 60 s" >&2; exit 1; }
	sleep 1
done
echo "$crt" | base64 -d >"$WORK/tls.crt"
kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' |
	base64 -d >"$WORK/ca.crt"
kubectl -n "$NS" create secret generic "$SECRET" --from-file="$WORK/tls.crt" \
	--from-file="$WORK/tls.key" --from-file="$WORK/ca.crt" --dry-run=client -o yaml |
	kubectl apply -f -
kubectl delete csr "$NAME"
echo "k8s-csr: Secret $NS/$SECRET holds tls.crt, tls.key and ca.crt"
