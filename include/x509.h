/*
 * x509: the facts about a certificate that BearSSL's decoders do not
 * hand out: its dNSName subject alternative names.  A bounded DER walk
 * over the certificate's bytes; nothing is allocated.
 */
#ifndef WCA_X509_H
#define WCA_X509_H

#include <stddef.h>

/*
 * Call fn(arg, name, len) for each dNSName in the subjectAltName
 * extension of the DER certificate der[0..len).  Returns the number of
 * names, or -1 when the certificate is not well-formed DER.
 */
int x509_dns_names(const unsigned char *der, size_t len,
    void (*fn)(void *arg, const char *name, size_t len), void *arg);

#endif
