/*
 * x509: the facts about a certificate that BearSSL's decoders do not
 * hand out: its dNSName subject alternative names.  A bounded DER walk
 * over the certificate's bytes; nothing is allocated.
 */
#ifndef WCA_X509_H
#define WCA_X509_H

#include <stddef.h>

/* GeneralName tags (context-specific, primitive). */
#define X509_SAN_DNS	0x82	/* dNSName: IA5String */
#define X509_SAN_IP	0x87	/* iPAddress: 4 or 16 bytes */

/*
 * Call fn(arg, value, len) for each subjectAltName entry with tag `tag`
 * in the DER certificate der[0..len).  Returns the number of entries, or
 * -1 when the certificate is not well-formed DER.
 */
int x509_san_names(const unsigned char *der, size_t len, unsigned tag,
    void (*fn)(void *arg, const char *name, size_t len), void *arg);

#endif
