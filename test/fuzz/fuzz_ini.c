/*
 * The INI configuration loader: inih, the line reader, every value
 * parser and the cross-key checks, and the errors they report.
 * Host names are not resolved under the fuzzer (fuzz.h), and the TLS
 * file loaders are replaced (the Makefile links this harness with
 * --wrap): they fail as for a missing file, quickly; fuzz_pem covers
 * what they parse.
 */
#include <stdio.h>

#include "config.h"
#include "fuzz.h"
#include "tls.h"

struct tls_creds *__wrap_tls_creds_load(const char *cert, const char *key,
    const char *ca, char *const *names, size_t nnames, char *err,
    size_t errlen);
struct tls_creds *__wrap_tls_client_creds_load(const char *ca,
    const char *cert, const char *key, char *err, size_t errlen);

struct tls_creds *
__wrap_tls_creds_load(const char *cert, const char *key, const char *ca,
    char *const *names, size_t nnames, char *err, size_t errlen)
{
	(void)key;
	(void)ca;
	(void)names;
	(void)nnames;
	snprintf(err, errlen, "%s: not loaded under the fuzzer", cert);
	return NULL;
}

struct tls_creds *
__wrap_tls_client_creds_load(const char *ca, const char *cert,
    const char *key, char *err, size_t errlen)
{
	(void)cert;
	(void)key;
	snprintf(err, errlen, "%s: not loaded under the fuzzer",
	    ca ? ca : "system CA bundle");
	return NULL;
}

FUZZ_QUIET_INIT()

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs;
	struct config *c = config_load_string("fuzz.ini", (const char *)data,
	    size, &errs);

	if (c != NULL)
		config_free(c);
	else
		config_errors_free(&errs);
	return 0;
}
