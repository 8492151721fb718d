/*
 * The subjectAltName walk (RFC 5280 4.1 and 4.2.1.6):
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, sig }
 *   TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
 *       signature, issuer, validity, subject, subjectPublicKeyInfo,
 *       [1] issuerUID OPTIONAL, [2] subjectUID OPTIONAL,
 *       [3] EXPLICIT SEQUENCE OF Extension OPTIONAL }
 *   Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *       extnValue OCTET STRING }   -- for SAN: GeneralNames
 *   GeneralNames ::= SEQUENCE OF GeneralName; dNSName is [2] IMPLICIT
 *
 * Only definite lengths (DER); every length is checked against what
 * contains it.
 */
#include "x509.h"

#include <string.h>

struct der {
	const unsigned char *p;
	size_t n;
};

/* The next TLV of d: its tag and contents; d moves past it.  0 or -1. */
static int
der_next(struct der *d, unsigned *tag, struct der *val)
{
	size_t len, k;

	if (d->n < 2)
		return -1;
	*tag = d->p[0];
	if ((*tag & 0x1f) == 0x1f)
		return -1;		/* high tag numbers: not in X.509 */
	len = d->p[1];
	k = 2;
	if (len & 0x80) {
		size_t nb = len & 0x7f, i;

		if (nb == 0 || nb > 4 || d->n < 2 + nb)
			return -1;
		for (len = 0, i = 0; i < nb; i++)
			len = (len << 8) | d->p[2 + i];
		k += nb;
	}
	if (len > d->n - k)
		return -1;
	val->p = d->p + k;
	val->n = len;
	d->p += k + len;
	d->n -= k + len;
	return 0;
}

/* The contents of the next TLV, which must have tag `want`. */
static int
der_expect(struct der *d, unsigned want, struct der *val)
{
	unsigned tag;

	if (der_next(d, &tag, val) < 0 || tag != want)
		return -1;
	return 0;
}

static const unsigned char oid_san[] = { 0x55, 0x1d, 0x11 };	/* 2.5.29.17 */

static int
san_names(struct der gn, unsigned want,
    void (*fn)(void *, const char *, size_t), void *arg)
{
	struct der seq, v;
	unsigned tag;
	int count = 0;

	if (der_expect(&gn, 0x30, &seq) < 0)
		return -1;
	while (seq.n > 0) {
		if (der_next(&seq, &tag, &v) < 0)
			return -1;
		if (tag == want) {
			fn(arg, (const char *)v.p, v.n);
			count++;
		}
	}
	return count;
}

int
x509_san_names(const unsigned char *der, size_t len, unsigned want,
    void (*fn)(void *arg, const char *name, size_t len), void *arg)
{
	struct der d = { der, len }, cert, tbs, v, exts, ext;
	unsigned tag;
	int i;

	if (der_expect(&d, 0x30, &cert) < 0 ||
	    der_expect(&cert, 0x30, &tbs) < 0)
		return -1;
	/* version, serial, signature, issuer, validity, subject, spki */
	for (i = 0; i < 7; i++) {
		if (der_next(&tbs, &tag, &v) < 0)
			return -1;
		if (i == 0 && tag != 0xa0)
			i++;		/* no version: this was the serial */
	}
	while (tbs.n > 0) {
		if (der_next(&tbs, &tag, &v) < 0)
			return -1;
		if (tag != 0xa3)
			continue;	/* issuerUID, subjectUID */
		if (der_expect(&v, 0x30, &exts) < 0)
			return -1;
		while (exts.n > 0) {
			struct der oid, val;

			if (der_expect(&exts, 0x30, &ext) < 0 ||
			    der_expect(&ext, 0x06, &oid) < 0)
				return -1;
			if (der_next(&ext, &tag, &val) < 0)
				return -1;
			if (tag == 0x01 && der_next(&ext, &tag, &val) < 0)
				return -1;	/* critical flag */
			if (tag != 0x04)
				return -1;
			if (oid.n == sizeof(oid_san) &&
			    memcmp(oid.p, oid_san, sizeof(oid_san)) == 0)
				return san_names(val, want, fn, arg);
		}
		return 0;
	}
	return 0;
}
