/*
 * HTTPS serving with BearSSL (see tls.h).
 *
 * Files: PEM objects are decoded with br_pem_decoder; the key with
 * br_skey_decoder (PKCS#8, SEC1 and PKCS#1), deep-copied because the
 * decoder's result points into the decoder; trust anchors with
 * br_x509_decoder.  The key must match the leaf certificate: a mismatch
 * would otherwise show only as failed handshakes.
 *
 * Connections: TLS 1.2 only (all BearSSL has), ECDHE with AES-GCM or
 * ChaCha20-Poly1305, the server's preference, no renegotiation, ALPN
 * http/1.1.  Client authentication wraps br_x509_minimal: the wrapper
 * keeps the end-entity certificate's bytes during the handshake to read
 * its DNS SANs (BearSSL extracts the CN, not a list of SANs).
 *
 * Sessions: BearSSL keeps no peer certificate in a session, so a resumed
 * session would come without a client identity.  The cache wraps the
 * LRU and remembers each session's identity beside it; a session whose
 * identity is gone is not resumed (a full handshake instead).
 */
#include "tls.h"

#include <bearssl.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "x509.h"

#define TLS_FILE_MAX	(1 << 20)	/* PEM files larger are refused */
#define TLS_OUT_BUF	BR_SSL_BUFSIZE_OUTPUT	/* records of up to 16 KiB out */
#define TLS_CACHE_BYTES	(64 * 1024)	/* LRU: about 650 sessions */
#define TLS_IDENT_SLOTS	256
#define TLS_EE_MAX	(16 * 1024)	/* client certificates larger: no
					   SANs read (CN still checked) */
#define CN_MAX		128
#define DNS_MAX		384

/* ---- files ---- */

struct pem_obj {
	char name[128];
	struct buf der;
};

struct pem_list {
	struct pem_obj *o;
	size_t n;
};

static void
pem_list_free(struct pem_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		buf_free(&l->o[i].der);
	free(l->o);
	l->o = NULL;
	l->n = 0;
}

static void
pem_append(void *ctx, const void *p, size_t n)
{
	buf_add(ctx, p, n);
}

static int
read_file(const char *path, struct buf *out, char *err, size_t errlen)
{
	int r = buf_read_path(out, path, TLS_FILE_MAX);

	if (r < 0 && errno == EFBIG)
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    TLS_FILE_MAX);
	else if (r < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return r;
}

/* Every PEM object of a file, in order. */
static int
pem_read(const char *path, struct pem_list *l, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct buf text;
	const char *p;
	size_t len;
	int inobj = 0;

	buf_init(&text);
	if (read_file(path, &text, err, errlen) < 0) {
		buf_free(&text);
		return -1;
	}
	buf_addc(&text, '\n');	/* the decoder needs the last line's end */
	br_pem_decoder_init(&pc);
	p = text.p;
	len = text.len;
	while (len > 0) {
		size_t k = br_pem_decoder_push(&pc, p, len);

		p += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ: {
			struct pem_obj *o;

			l->o = xrealloc(l->o, (l->n + 1) * sizeof(*l->o));
			o = &l->o[l->n++];
			snprintf(o->name, sizeof(o->name), "%s",
			    br_pem_decoder_name(&pc));
			buf_init(&o->der);
			br_pem_decoder_setdest(&pc, pem_append, &o->der);
			inobj = 1;
			break;
		}
		case BR_PEM_END_OBJ:
			inobj = 0;
			break;
		case BR_PEM_ERROR:
			snprintf(err, errlen, "%s: not valid PEM", path);
			buf_free(&text);
			return -1;
		default:
			break;
		}
	}
	buf_free(&text);
	if (inobj) {
		snprintf(err, errlen, "%s: PEM object without an END line",
		    path);
		return -1;
	}
	return 0;
}

/* A PEM object may be empty: its data pointer is then NULL, which
 * memcpy must not see even for 0 bytes (found by fuzz_pem). */
static unsigned char *
dup_bytes(const void *p, size_t n)
{
	unsigned char *d = xmalloc(n ? n : 1);

	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* ---- credentials ---- */

struct ident {
	char cn[CN_MAX];
	char dns[DNS_MAX];	/* "a,b,c" */
};

struct ident_slot {
	unsigned char id[32];
	int used;
	struct ident who;
};

struct sess_cache {
	const br_ssl_session_cache_class *vtable;
	br_ssl_session_cache_lru lru;
	unsigned char store[TLS_CACHE_BYTES];
	struct ident_slot slot[TLS_IDENT_SLOTS];
	unsigned next;
};

struct tls_creds {
	unsigned refs;
	br_x509_certificate *chain;
	size_t nchain;
	int key_type;			/* BR_KEYTYPE_EC or _RSA */
	br_ec_private_key ec;
	br_rsa_private_key rsa;
	unsigned issuer_type;		/* key type of the leaf's signer */
	double not_after;
	br_x509_trust_anchor *ta;
	size_t nta;
	char **names;
	size_t nnames;
	char *cert_path, *key_path, *ca_path;
	unsigned long long stamp;
	struct sess_cache *cache;	/* server credentials only: 200 KiB
					   a scraper's credentials never use */
};

static void
creds_free(struct tls_creds *c)
{
	size_t i;

	for (i = 0; i < c->nchain; i++)
		free(c->chain[i].data);
	free(c->chain);
	free(c->ec.x);
	free(c->rsa.p);
	free(c->rsa.q);
	free(c->rsa.dp);
	free(c->rsa.dq);
	free(c->rsa.iq);
	for (i = 0; i < c->nta; i++) {
		free(c->ta[i].dn.data);
		if (c->ta[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(c->ta[i].pkey.key.rsa.n);
			free(c->ta[i].pkey.key.rsa.e);
		} else
			free(c->ta[i].pkey.key.ec.q);
	}
	free(c->ta);
	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->cert_path);
	free(c->key_path);
	free(c->ca_path);
	free(c->cache);
	free(c);
}

struct tls_creds *
tls_creds_ref(struct tls_creds *c)
{
	c->refs++;
	return c;
}

void
tls_creds_unref(struct tls_creds *c)
{
	if (c != NULL && --c->refs == 0)
		creds_free(c);
}

double
tls_creds_not_after(const struct tls_creds *c)
{
	return c->not_after;
}

static unsigned long long
stamp_add(unsigned long long h, const char *path)
{
	struct stat st;
	unsigned long long v[4] = { 0, 0, 0, 0 };
	size_t i;

	if (path != NULL && stat(path, &st) == 0) {
		v[0] = (unsigned long long)st.st_mtim.tv_sec;
		v[1] = (unsigned long long)st.st_mtim.tv_nsec;
		v[2] = (unsigned long long)st.st_size;
		v[3] = (unsigned long long)st.st_ino;
	} else if (path != NULL)
		v[0] = ~0ull;	/* gone */
	for (i = 0; i < 4; i++)
		h = (h ^ v[i]) * 1099511628211ull;
	return h;
}

unsigned long long
tls_creds_files_stamp(const char *cert, const char *key, const char *ca)
{
	unsigned long long h = 1469598103934665603ull;

	h = stamp_add(h, cert);
	h = stamp_add(h, key);
	return stamp_add(h, ca);
}

int
tls_creds_files_changed(const struct tls_creds *c)
{
	return tls_creds_files_stamp(c->cert_path, c->key_path, c->ca_path)
	    != c->stamp;
}

/* The leaf's public key, signer type and notAfter; 0 or -1. */
static int
leaf_facts(struct tls_creds *c, br_x509_pkey *pk, unsigned char *kbuf,
    size_t kcap, char *err, size_t errlen)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *p;

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, c->chain[0].data, c->chain[0].data_len);
	p = br_x509_decoder_get_pkey(&dc);
	if (p == NULL) {
		snprintf(err, errlen, "%s: the first certificate cannot be "
		    "decoded (BearSSL error %d)", c->cert_path,
		    br_x509_decoder_last_error(&dc));
		return -1;
	}
	c->issuer_type = (unsigned)br_x509_decoder_get_signer_key_type(&dc);
	/* Days since 0000-01-01 (proleptic Gregorian); 1970 is day 719528. */
	c->not_after = ((double)dc.notafter_days - 719528.0) * 86400.0 +
	    (double)dc.notafter_seconds;
	*pk = *p;
	if (p->key_type == BR_KEYTYPE_EC) {
		if (p->key.ec.qlen > kcap)
			return -1;
		memcpy(kbuf, p->key.ec.q, p->key.ec.qlen);
		pk->key.ec.q = kbuf;
	} else {
		if (p->key.rsa.nlen > kcap)
			return -1;
		memcpy(kbuf, p->key.rsa.n, p->key.rsa.nlen);
		pk->key.rsa.n = kbuf;
	}
	return 0;
}

/*
 * A private key others can read is worth a warning, not a refusal: a
 * Kubernetes Secret mounted with the default mode is 0644, and refusing
 * would turn a hardening advice into an outage.
 */
static void
warn_key_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warn(LOGGER_TLS, "key %s can be read by its group or "
		    "others (mode %04o): chmod 0600 it", path,
		    (unsigned)(st.st_mode & 07777));
}

/* The private key of the key file, deep-copied; it must match pk. */
static int
load_key(struct tls_creds *c, const br_x509_pkey *pk, char *err,
    size_t errlen)
{
	struct pem_list l = { NULL, 0 };
	br_skey_decoder_context kc;
	size_t i;
	int found = 0, e;

	if (pem_read(c->key_path, &l, err, errlen) < 0) {
		pem_list_free(&l);
		return -1;
	}
	warn_key_mode(c->key_path);
	for (i = 0; i < l.n && !found; i++) {
		if (strcmp(l.o[i].name, "PRIVATE KEY") != 0 &&
		    strcmp(l.o[i].name, "EC PRIVATE KEY") != 0 &&
		    strcmp(l.o[i].name, "RSA PRIVATE KEY") != 0)
			continue;	/* e.g. EC PARAMETERS */
		found = 1;
		br_skey_decoder_init(&kc);
		br_skey_decoder_push(&kc, l.o[i].der.p, l.o[i].der.len);
	}
	pem_list_free(&l);
	if (!found) {
		snprintf(err, errlen, "%s: no PRIVATE KEY, EC PRIVATE KEY or "
		    "RSA PRIVATE KEY in it", c->key_path);
		return -1;
	}
	if ((e = br_skey_decoder_last_error(&kc)) != 0) {
		snprintf(err, errlen, "%s: the key cannot be decoded (BearSSL "
		    "error %d; EC P-256/P-384/P-521 or RSA expected)",
		    c->key_path, e);
		return -1;
	}
	c->key_type = br_skey_decoder_key_type(&kc);
	if (c->key_type == BR_KEYTYPE_EC) {
		const br_ec_private_key *k = br_skey_decoder_get_ec(&kc);
		unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
		br_ec_public_key pub;

		c->ec.curve = k->curve;
		c->ec.x = dup_bytes(k->x, k->xlen);
		c->ec.xlen = k->xlen;
		if (br_ec_compute_pub(br_ec_get_default(), &pub, q, &c->ec) ==
		    0 || pk->key_type != BR_KEYTYPE_EC ||
		    pub.curve != pk->key.ec.curve ||
		    pub.qlen != pk->key.ec.qlen ||
		    memcmp(pub.q, pk->key.ec.q, pub.qlen) != 0)
			goto mismatch;
	} else {
		const br_rsa_private_key *k = br_skey_decoder_get_rsa(&kc);
		br_rsa_compute_modulus mod = br_rsa_compute_modulus_get_default();
		unsigned char *n;
		size_t nlen;

		c->rsa = *k;
		c->rsa.p = dup_bytes(k->p, k->plen);
		c->rsa.q = dup_bytes(k->q, k->qlen);
		c->rsa.dp = dup_bytes(k->dp, k->dplen);
		c->rsa.dq = dup_bytes(k->dq, k->dqlen);
		c->rsa.iq = dup_bytes(k->iq, k->iqlen);
		if (pk->key_type != BR_KEYTYPE_RSA)
			goto mismatch;
		nlen = mod(NULL, &c->rsa);
		n = xmalloc(nlen ? nlen : 1);
		mod(n, &c->rsa);
		e = nlen != pk->key.rsa.nlen ||
		    memcmp(n, pk->key.rsa.n, nlen) != 0;
		free(n);
		if (e)
			goto mismatch;
	}
	return 0;
mismatch:
	snprintf(err, errlen, "%s: the key does not match the certificate "
	    "of %s", c->key_path, c->cert_path);
	return -1;
}

/* The CERTIFICATE objects of a PEM file, at least one; 0 or -1. */
static int
read_certs(const char *path, struct pem_list *l, char *err, size_t errlen)
{
	size_t i, k = 0;

	if (pem_read(path, l, err, errlen) < 0) {
		pem_list_free(l);
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->o[i].name, "CERTIFICATE") == 0)
			l->o[k++] = l->o[i];
		else
			buf_free(&l->o[i].der);
	}
	l->n = k;
	if (k == 0) {
		snprintf(err, errlen, "%s: no CERTIFICATE in it", path);
		pem_list_free(l);
		return -1;
	}
	return 0;
}

static int
load_chain(struct tls_creds *c, char *err, size_t errlen)
{
	struct pem_list l = { NULL, 0 };
	size_t i;

	if (read_certs(c->cert_path, &l, err, errlen) < 0)
		return -1;
	c->chain = xcalloc(l.n, sizeof(*c->chain));
	for (i = 0; i < l.n; i++) {
		c->chain[i].data = dup_bytes(l.o[i].der.p, l.o[i].der.len);
		c->chain[i].data_len = l.o[i].der.len;
	}
	c->nchain = l.n;
	pem_list_free(&l);
	return 0;
}

static int
load_anchors(struct tls_creds *c, char *err, size_t errlen)
{
	struct pem_list l = { NULL, 0 };
	size_t i;

	if (read_certs(c->ca_path, &l, err, errlen) < 0)
		return -1;
	c->ta = xcalloc(l.n, sizeof(*c->ta));
	for (i = 0; i < l.n; i++) {
		br_x509_decoder_context dc;
		br_x509_trust_anchor *ta;
		const br_x509_pkey *pk;
		struct buf dn;

		buf_init(&dn);
		br_x509_decoder_init(&dc, pem_append, &dn);
		br_x509_decoder_push(&dc, l.o[i].der.p, l.o[i].der.len);
		pk = br_x509_decoder_get_pkey(&dc);
		if (pk == NULL) {
			snprintf(err, errlen, "%s: certificate %zu cannot be "
			    "decoded (BearSSL error %d)", c->ca_path, i + 1,
			    br_x509_decoder_last_error(&dc));
			buf_free(&dn);
			pem_list_free(&l);
			return -1;
		}
		ta = &c->ta[c->nta++];
		ta->dn.data = dup_bytes(dn.p, dn.len);
		ta->dn.len = dn.len;
		buf_free(&dn);
		ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
		ta->pkey = *pk;
		if (pk->key_type == BR_KEYTYPE_RSA) {
			ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n,
			    pk->key.rsa.nlen);
			ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e,
			    pk->key.rsa.elen);
		} else
			ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q,
			    pk->key.ec.qlen);
	}
	pem_list_free(&l);
	return 0;
}

static const br_ssl_session_cache_class sess_cache_class;

/* The files, then (for a server) the session cache, allocated last so
 * that a refused file costs no more than its parse. */
static struct tls_creds *
creds_load(const char *cert, const char *key, const char *ca,
    char *const *names, size_t nnames, int server, char *err, size_t errlen)
{
	struct tls_creds *c = xcalloc(1, sizeof(*c));
	unsigned char kbuf[1024];
	br_x509_pkey pk;
	size_t i;

	c->refs = 1;
	c->cert_path = cert ? xstrdup(cert) : NULL;
	c->key_path = key ? xstrdup(key) : NULL;
	c->ca_path = ca ? xstrdup(ca) : NULL;
	/* Stamp first: a file replaced while it is read shows as changed. */
	c->stamp = tls_creds_files_stamp(cert, key, ca);
	if ((cert && (load_chain(c, err, errlen) < 0 ||
	    leaf_facts(c, &pk, kbuf, sizeof(kbuf), err, errlen) < 0 ||
	    load_key(c, &pk, err, errlen) < 0)) ||
	    (ca && load_anchors(c, err, errlen) < 0)) {
		creds_free(c);
		return NULL;
	}
	c->names = xcalloc(nnames ? nnames : 1, sizeof(*c->names));
	for (i = 0; i < nnames; i++)
		c->names[i] = xstrdup(names[i]);
	c->nnames = nnames;
	if (server) {
		c->cache = xcalloc(1, sizeof(*c->cache));
		c->cache->vtable = &sess_cache_class;
		br_ssl_session_cache_lru_init(&c->cache->lru, c->cache->store,
		    sizeof(c->cache->store));
	}
	return c;
}

struct tls_creds *
tls_creds_load(const char *cert, const char *key, const char *ca,
    char *const *names, size_t nnames, char *err, size_t errlen)
{
	return creds_load(cert, key, ca, names, nnames, 1, err, errlen);
}

/* ---- connections ---- */

struct x509_wrap {
	const br_x509_class *vtable;	/* first: BearSSL calls through it */
	br_x509_minimal_context mini;
	struct ident *who;		/* server: the client's names */
	unsigned char ip[16];		/* client: an IP host to find in an */
	size_t iplen;			/* iPAddress SAN (BearSSL: DNS only) */
	int ip_found;
	unsigned ncert;
	unsigned char *ee;		/* the client's certificate, while
					   the handshake runs */
	size_t ee_len, ee_cap;
	br_name_element cn;
};

/* Records between the engine and the socket (see "the wire" below). */
#define TLS_WIRE	(64 * 1024)
#define TLS_WIRE_POOL	8

struct wire {
	unsigned char *out, *in;	/* TLS_WIRE bytes each, or NULL */
	size_t out_off, out_len;	/* [out_off, out_len) to send */
	size_t in_off, in_len;		/* [in_off, in_len) for the engine */
	int read_ahead;			/* the server's side only */
};

static void wire_free(struct wire *w);

struct tls_conn {
	br_ssl_server_context sc;	/* first: the cache is handed &sc */
	struct tls_creds *creds;
	struct x509_wrap *xw;		/* with client_ca only */
	int established, allowed, resumed;
	struct ident who;
	char ident[CN_MAX + DNS_MAX + 16];
	struct wire w;
	unsigned char ibuf[BR_SSL_BUFSIZE_INPUT];
	unsigned char obuf[TLS_OUT_BUF];
};

/* The session cache: the LRU, and each session's client identity. */
static void
cache_save(const br_ssl_session_cache_class **ctx, br_ssl_server_context *sc,
    const br_ssl_session_parameters *params)
{
	struct sess_cache *c = (struct sess_cache *)(void *)ctx;
	struct tls_conn *t = (struct tls_conn *)(void *)sc;
	struct ident_slot *s;

	c->lru.vtable->save(&c->lru.vtable, sc, params);
	s = &c->slot[c->next++ % TLS_IDENT_SLOTS];
	memcpy(s->id, params->session_id, sizeof(s->id));
	s->used = 1;
	s->who = t->who;	/* filled by end_chain, or empty */
}

static int
cache_load(const br_ssl_session_cache_class **ctx, br_ssl_server_context *sc,
    br_ssl_session_parameters *params)
{
	struct sess_cache *c = (struct sess_cache *)(void *)ctx;
	struct tls_conn *t = (struct tls_conn *)(void *)sc;
	br_ssl_session_parameters p = *params;
	size_t i;

	if (!c->lru.vtable->load(&c->lru.vtable, sc, &p))
		return 0;
	for (i = 0; i < TLS_IDENT_SLOTS; i++)
		if (c->slot[i].used && memcmp(c->slot[i].id,
		    params->session_id, sizeof(c->slot[i].id)) == 0) {
			t->who = c->slot[i].who;
			t->resumed = 1;
			*params = p;
			return 1;
		}
	return 0;	/* identity forgotten: full handshake */
}

static const br_ssl_session_cache_class sess_cache_class = {
	sizeof(struct sess_cache), cache_save, cache_load
};

/* The x509 wrapper: br_x509_minimal, plus the end-entity's bytes. */
static void
xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct x509_wrap *w = (struct x509_wrap *)(void *)ctx;

	w->ncert = 0;
	w->ee_len = 0;
	w->mini.vtable->start_chain(&w->mini.vtable, server_name);
}

static void
xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct x509_wrap *w = (struct x509_wrap *)(void *)ctx;

	if (w->ncert == 0 && length <= TLS_EE_MAX &&
	    (w->who != NULL || w->iplen > 0)) {
		free(w->ee);
		w->ee = xmalloc(length ? length : 1);
		w->ee_cap = length;
		w->ee_len = 0;
	}
	w->mini.vtable->start_cert(&w->mini.vtable, length);
}

static void
xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct x509_wrap *w = (struct x509_wrap *)(void *)ctx;

	if (w->ncert == 0 && w->ee != NULL && len <= w->ee_cap - w->ee_len) {
		memcpy(w->ee + w->ee_len, buf, len);
		w->ee_len += len;
	}
	w->mini.vtable->append(&w->mini.vtable, buf, len);
}

static void
xw_end_cert(const br_x509_class **ctx)
{
	struct x509_wrap *w = (struct x509_wrap *)(void *)ctx;

	w->ncert++;
	w->mini.vtable->end_cert(&w->mini.vtable);
}

static void
add_dns(void *arg, const char *name, size_t len)
{
	struct ident *who = arg;
	size_t at = strlen(who->dns);

	/* Names with a NUL or a comma could not be matched exactly. */
	if (memchr(name, '\0', len) || memchr(name, ',', len) ||
	    at + len + 2 > sizeof(who->dns))
		return;
	if (at > 0)
		who->dns[at++] = ',';
	memcpy(who->dns + at, name, len);
	who->dns[at + len] = '\0';
}

static void
match_ip(void *arg, const char *ip, size_t len)
{
	struct x509_wrap *w = arg;

	if (len == w->iplen && memcmp(ip, w->ip, len) == 0)
		w->ip_found = 1;
}

static unsigned
xw_end_chain(const br_x509_class **ctx)
{
	struct x509_wrap *w = (struct x509_wrap *)(void *)ctx;
	unsigned r = w->mini.vtable->end_chain(&w->mini.vtable);

	if (r == 0 && w->iplen > 0) {
		w->ip_found = 0;
		if (w->ee != NULL && w->ee_len == w->ee_cap)
			x509_san_names(w->ee, w->ee_len, X509_SAN_IP, match_ip,
			    w);
		if (!w->ip_found)
			r = BR_ERR_X509_BAD_SERVER_NAME;
	}
	if (r == 0 && w->who != NULL) {
		struct ident *who = w->who;

		if (w->cn.status != 1)
			who->cn[0] = '\0';
		who->dns[0] = '\0';
		if (w->ee != NULL && w->ee_len == w->ee_cap)
			x509_san_names(w->ee, w->ee_len, X509_SAN_DNS,
			    add_dns, who);
	}
	free(w->ee);
	w->ee = NULL;
	w->ee_cap = w->ee_len = 0;
	return r;
}

static const br_x509_pkey *
xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct x509_wrap *w = (const struct x509_wrap *)(const void *)ctx;

	return w->mini.vtable->get_pkey(&w->mini.vtable, usages);
}

static const br_x509_class x509_wrap_class = {
	sizeof(struct x509_wrap), xw_start_chain, xw_start_cert, xw_append,
	xw_end_cert, xw_end_chain, xw_get_pkey
};

static const unsigned char oid_cn[] = { 0x03, 0x55, 0x04, 0x03 };

static const uint16_t suites_ec[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t suites_rsa[] = {
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const char *alpn[] = { "http/1.1" };

/* Our own seed, from getrandom(): BearSSL's system seeder on x86 is
 * RDRAND alone.  Without it, BearSSL falls back to its own. */
static void
seed_engine(br_ssl_engine_context *eng)
{
	unsigned char seed[32];
	size_t got = 0;

	while (got < sizeof(seed)) {
		ssize_t n = getrandom(seed + got, sizeof(seed) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* BearSSL's own seeder then */
		got += (size_t)n;
	}
	br_ssl_engine_inject_entropy(eng, seed, sizeof(seed));
}

struct tls_conn *
tls_conn_new(struct tls_creds *c)
{
	/* The record buffers are not cleared: BearSSL writes before it
	 * reads them, and pages never touched cost an idle connection
	 * nothing. */
	struct tls_conn *t = xmalloc(sizeof(*t));
	br_ssl_engine_context *eng = &t->sc.eng;

	memset(t, 0, offsetof(struct tls_conn, ibuf));
	t->w.read_ahead = 1;
	t->creds = tls_creds_ref(c);
	if (c->key_type == BR_KEYTYPE_EC) {
		br_ssl_server_init_full_ec(&t->sc, c->chain, c->nchain,
		    c->issuer_type, &c->ec);
		br_ssl_engine_set_suites(eng, suites_ec,
		    sizeof(suites_ec) / sizeof(suites_ec[0]));
	} else {
		br_ssl_server_init_full_rsa(&t->sc, c->chain, c->nchain,
		    &c->rsa);
		br_ssl_engine_set_suites(eng, suites_rsa,
		    sizeof(suites_rsa) / sizeof(suites_rsa[0]));
	}
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_add_flags(eng, BR_OPT_ENFORCE_SERVER_PREFERENCES |
	    BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_buffers_bidi(eng, t->ibuf, sizeof(t->ibuf), t->obuf,
	    sizeof(t->obuf));
	br_ssl_engine_set_protocol_names(eng, alpn, 1);
	br_ssl_server_set_cache(&t->sc, &c->cache->vtable);
	if (c->nta > 0) {
		struct x509_wrap *w = xcalloc(1, sizeof(*w));

		w->vtable = &x509_wrap_class;
		w->who = &t->who;
		br_x509_minimal_init_full(&w->mini, c->ta, c->nta);
		w->cn.oid = oid_cn;
		w->cn.buf = t->who.cn;
		w->cn.len = sizeof(t->who.cn);
		br_x509_minimal_set_name_elements(&w->mini, &w->cn, 1);
		t->xw = w;
		br_ssl_engine_set_x509(eng, &w->vtable);
		br_ssl_engine_set_default_rsavrfy(eng);
		br_ssl_engine_set_default_ecdsa(eng);
		br_ssl_server_set_trust_anchor_names_alt(&t->sc, c->ta, c->nta);
	}
	seed_engine(eng);
	br_ssl_server_reset(&t->sc);
	return t;
}

void
tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	if (t->xw)
		free(t->xw->ee);
	free(t->xw);
	wire_free(&t->w);
	tls_creds_unref(t->creds);
	free(t);
}

static int
name_listed(const struct tls_creds *c, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->nnames; i++)
		if (strlen(c->names[i]) == len &&
		    memcmp(c->names[i], name, len) == 0)
			return 1;
	return 0;
}

/* The handshake just completed: who the client is, and may it call. */
static void
conn_established(struct tls_conn *t)
{
	const struct ident *w = &t->who;
	const char *p = w->dns;

	t->established = 1;
	if (t->xw == NULL) {
		snprintf(t->ident, sizeof(t->ident), "-");
		t->allowed = 1;
		return;
	}
	snprintf(t->ident, sizeof(t->ident), "CN=%s DNS=%s",
	    w->cn[0] ? w->cn : "-", w->dns[0] ? w->dns : "-");
	t->allowed = t->creds->nnames == 0 ||
	    (w->cn[0] && name_listed(t->creds, w->cn, strlen(w->cn)));
	while (!t->allowed && *p) {
		size_t n = strcspn(p, ",");

		t->allowed = name_listed(t->creds, p, n);
		p += n + (p[n] == ',');
	}
}

static void
check_established(struct tls_conn *t)
{
	unsigned st = br_ssl_engine_current_state(&t->sc.eng);

	if (!t->established && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
		conn_established(t);
}

/* ---- the wire: records batched between the engine and the socket ---- */

/*
 * BearSSL hands out one record at a time (of TLS_OUT_BUF here) and asks
 * for each record's 5-byte header before its body.  A syscall for each
 * made an 88 KB answer 22 sends and its request 13 recvs, and on
 * loopback each send wakes the client.  The wire copies records out of
 * the engine until TLS_WIRE bytes wait and sends them in one go; on the
 * server's side it also reads what the socket has, up to TLS_WIRE and
 * never more than the caller has room for (so a caller that stops at
 * its limit has been handed every byte read), and feeds the engine from
 * that.  Buffers are held only while bytes wait, and come from a small
 * pool: one loop, one thread.
 */
static unsigned char *wire_pool[TLS_WIRE_POOL];
static int wire_pooled;

static unsigned char *
wire_take(void)
{
	return wire_pooled > 0 ? wire_pool[--wire_pooled] : xmalloc(TLS_WIRE);
}

static void
wire_give(unsigned char **p)
{
	int saved = errno;

	if (*p == NULL)
		return;
	if (wire_pooled < TLS_WIRE_POOL)
		wire_pool[wire_pooled++] = *p;
	else
		free(*p);
	*p = NULL;
	errno = saved;
}

static void
wire_free(struct wire *w)
{
	wire_give(&w->out);
	wire_give(&w->in);
}

void
tls_release_buffers(void)
{
	while (wire_pooled > 0)
		free(wire_pool[--wire_pooled]);
}

/* Records from the engine into the wire, while there is room. */
static void
wire_collect(br_ssl_engine_context *eng, struct wire *w)
{
	while ((br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) &&
	    w->out_len < TLS_WIRE) {
		size_t len;
		unsigned char *p = br_ssl_engine_sendrec_buf(eng, &len);

		if (w->out == NULL)
			w->out = wire_take();
		if (len > TLS_WIRE - w->out_len)
			len = TLS_WIRE - w->out_len;
		memcpy(w->out + w->out_len, p, len);
		w->out_len += len;
		br_ssl_engine_sendrec_ack(eng, len);
	}
}

/* What the wire holds, out: 1 all sent, 0 the socket is full, -1 error. */
static int
wire_flush(struct wire *w, int fd)
{
	while (w->out_off < w->out_len) {
		ssize_t n = send(fd, w->out + w->out_off,
		    w->out_len - w->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		w->out_off += (size_t)n;
	}
	w->out_off = w->out_len = 0;
	wire_give(&w->out);
	return 1;
}

static int
wire_pending(const br_ssl_engine_context *eng, const struct wire *w)
{
	return w->out_off < w->out_len ||
	    (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) != 0;
}

/*
 * Bytes for the engine's next record, as recv(2) returns them: from the
 * wire (refilled with at most `room` bytes when empty), or straight from
 * the socket without read-ahead.
 */
static ssize_t
wire_recv(br_ssl_engine_context *eng, struct wire *w, int fd, size_t room)
{
	size_t avail, k;
	unsigned char *p = br_ssl_engine_recvrec_buf(eng, &avail);
	ssize_t n;

	if (p == NULL || avail == 0) {
		/* Nothing wanted until records go out (found by fuzz_tls). */
		errno = EAGAIN;
		return -1;
	}
	if (!w->read_ahead) {
		n = recv(fd, p, avail, 0);
		if (n > 0)
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
		return n;
	}
	if (w->in_off == w->in_len) {
		if (room < avail)
			room = avail;	/* a record's header needs 5 */
		if (room > TLS_WIRE)
			room = TLS_WIRE;
		if (w->in == NULL)
			w->in = wire_take();
		n = recv(fd, w->in, room, 0);
		if (n <= 0) {
			wire_give(&w->in);
			return n;
		}
		w->in_off = 0;
		w->in_len = (size_t)n;
	}
	k = w->in_len - w->in_off;
	if (k > avail)
		k = avail;
	memcpy(p, w->in + w->in_off, k);
	w->in_off += k;
	if (w->in_off == w->in_len) {
		w->in_off = w->in_len = 0;
		wire_give(&w->in);
	}
	br_ssl_engine_recvrec_ack(eng, k);
	return (ssize_t)k;
}

/* ---- the engine pump, the same for both ends ---- */

/* Everything the engine has to send, out: 1 all sent, 0 the socket is
 * full, -1 error. */
static int
engine_push(br_ssl_engine_context *eng, struct wire *w, int fd)
{
	for (;;) {
		int r;

		wire_collect(eng, w);
		if ((r = wire_flush(w, fd)) <= 0)
			return r;
		if (!(br_ssl_engine_current_state(eng) & BR_SSL_SENDREC))
			return 1;
	}
}

/*
 * Push what waits, then the state again: a push can close the engine or
 * leave it wanting no input until records go out, and acting on the
 * state from before it reads nothing forever.  -1 on a send error.
 */
static int
engine_push_state(br_ssl_engine_context *eng, struct wire *w, int fd,
    unsigned *st)
{
	if ((*st & BR_SSL_SENDREC) && engine_push(eng, w, fd) < 0)
		return -1;
	*st = br_ssl_engine_current_state(eng);
	return 0;
}

static int
engine_up(const br_ssl_engine_context *eng)
{
	return (br_ssl_engine_current_state(eng) &
	    (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) != 0;
}

/*
 * Plaintext into buf.  *up is set once the handshake is over; a TCP end
 * before that is a failure, after it the end of the stream (peers that
 * close without close_notify are common).
 */
static ssize_t
engine_recv(br_ssl_engine_context *eng, struct wire *w, int fd, void *buf,
    size_t len, int *up)
{
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		unsigned char *p;
		size_t avail;
		ssize_t n;

		if (st == BR_SSL_CLOSED) {
			if (br_ssl_engine_last_error(eng) == BR_ERR_OK)
				return 0;	/* close_notify */
			errno = EPROTO;
			return -1;
		}
		if (engine_push_state(eng, w, fd, &st) < 0)
			return -1;
		if (st == BR_SSL_CLOSED)
			continue;
		if (engine_up(eng))
			*up = 1;
		if (st & BR_SSL_RECVAPP) {
			p = br_ssl_engine_recvapp_buf(eng, &avail);
			if (avail > len)
				avail = len;
			memcpy(buf, p, avail);
			br_ssl_engine_recvapp_ack(eng, avail);
			return (ssize_t)avail;
		}
		if (!(st & BR_SSL_RECVREC)) {
			errno = EAGAIN;
			return -1;
		}
		n = wire_recv(eng, w, fd, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			if (!*up) {
				errno = ECONNRESET;
				return -1;
			}
			return 0;
		}
	}
}

static ssize_t
engine_send(br_ssl_engine_context *eng, struct wire *w, int fd,
    const struct iovec *iov, int niov)
{
	size_t total = 0, want = 0, off = 0;
	int i;

	for (i = 0; i < niov; i++)
		want += iov[i].iov_len;
	i = 0;
	while (total < want) {
		unsigned st = br_ssl_engine_current_state(eng);

		if (st == BR_SSL_CLOSED) {
			errno = EPIPE;
			return -1;
		}
		if (st & BR_SSL_SENDAPP) {
			size_t room, k;
			unsigned char *p = br_ssl_engine_sendapp_buf(eng, &room);

			while (i < niov && off == iov[i].iov_len) {
				i++;
				off = 0;
			}
			k = iov[i].iov_len - off;
			if (k > room)
				k = room;
			memcpy(p, (const char *)iov[i].iov_base + off, k);
			br_ssl_engine_sendapp_ack(eng, k);
			off += k;
			total += k;
			continue;
		}
		if (st & BR_SSL_SENDREC) {
			int r;

			wire_collect(eng, w);
			if (!(br_ssl_engine_current_state(eng) & BR_SSL_SENDREC))
				continue;
			/* The wire is full: send it before more records. */
			if ((r = wire_flush(w, fd)) < 0)
				return -1;
			if (r == 0)
				break;
			continue;
		}
		break;		/* the engine waits for the peer */
	}
	if (total == want)
		br_ssl_engine_flush(eng, 0);
	if (engine_push(eng, w, fd) < 0)
		return -1;
	if (total == 0 && want > 0) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)total;
}

int
tls_conn_pending(const struct tls_conn *t)
{
	return wire_pending(&t->sc.eng, &t->w);
}

int
tls_conn_push(struct tls_conn *t, int fd)
{
	int r = engine_push(&t->sc.eng, &t->w, fd);

	check_established(t);
	return r;
}

ssize_t
tls_conn_recv(struct tls_conn *t, int fd, void *buf, size_t len)
{
	int up = t->established;
	ssize_t n = engine_recv(&t->sc.eng, &t->w, fd, buf, len, &up);

	check_established(t);
	return n;
}

ssize_t
tls_conn_send(struct tls_conn *t, int fd, const struct iovec *iov, int niov)
{
	ssize_t n = engine_send(&t->sc.eng, &t->w, fd, iov, niov);

	check_established(t);
	return n;
}

void
tls_conn_close(struct tls_conn *t)
{
	br_ssl_engine_close(&t->sc.eng);
}

int
tls_conn_established(const struct tls_conn *t)
{
	return t->established;
}

int
tls_conn_allowed(const struct tls_conn *t)
{
	return t->allowed;
}

const char *
tls_conn_identity(const struct tls_conn *t)
{
	return t->ident[0] ? t->ident : "-";
}

static const char *
suite_name(uint16_t s)
{
	switch (s) {
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-ECDSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-ECDSA-CHACHA20-POLY1305";
	case BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-RSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-RSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-RSA-CHACHA20-POLY1305";
	default:
		return "?";
	}
}

void
tls_conn_describe(const struct tls_conn *t, char *out, size_t cap)
{
	br_ssl_session_parameters p;
	const char *proto;

	br_ssl_engine_get_session_parameters(&t->sc.eng, &p);
	proto = br_ssl_engine_get_selected_protocol(
	    (br_ssl_engine_context *)&t->sc.eng);
	snprintf(out, cap, "TLS1.2 %s alpn=%s%s", suite_name(p.cipher_suite),
	    proto ? proto : "-", t->resumed ? " resumed" : "");
}

static const struct {
	int err;
	const char *text;
} tls_errors[] = {
	{ BR_ERR_UNSUPPORTED_VERSION, "the client offers no TLS 1.2" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no common cipher suite" },
	{ BR_ERR_NO_CLIENT_AUTH, "no client certificate" },
	{ BR_ERR_BAD_SIGNATURE, "bad signature" },
	{ BR_ERR_WRONG_KEY_USAGE, "the client key may not sign" },
	{ BR_ERR_X509_EXPIRED, "the peer's certificate is expired or not "
	    "yet valid" },
	{ BR_ERR_X509_NOT_TRUSTED, "the peer's certificate is not signed by a "
	    "trusted CA (client_ca, or [metrics] ca)" },
	{ BR_ERR_X509_BAD_SIGNATURE, "bad certificate signature" },
	{ BR_ERR_X509_EMPTY_CHAIN, "no client certificate" },
	{ BR_ERR_BAD_MAC, "bad record MAC" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "the certificate is not for this host "
	    "name or IP" },
	{ BR_ERR_IO, "I/O error" },
};

static const char *
engine_error(const br_ssl_engine_context *eng, char *out, size_t cap)
{
	int e = br_ssl_engine_last_error(eng);
	size_t i;

	if (e >= BR_ERR_SEND_FATAL_ALERT) {
		snprintf(out, cap, "sent alert %d", e - BR_ERR_SEND_FATAL_ALERT);
		return out;
	}
	if (e >= BR_ERR_RECV_FATAL_ALERT) {
		snprintf(out, cap, "the client sent alert %d",
		    e - BR_ERR_RECV_FATAL_ALERT);
		return out;
	}
	for (i = 0; i < sizeof(tls_errors) / sizeof(tls_errors[0]); i++)
		if (tls_errors[i].err == e) {
			snprintf(out, cap, "%s (BearSSL error %d)",
			    tls_errors[i].text, e);
			return out;
		}
	snprintf(out, cap, "BearSSL error %d", e);
	return out;
}

const char *
tls_conn_error(const struct tls_conn *t, char *out, size_t cap)
{
	return engine_error(&t->sc.eng, out, cap);
}

/* ---- the scraper's side: https:// sources ---- */

/* Where distributions keep the CA bundle (Debian/Ubuntu, Alpine, RHEL). */
static const char *const system_ca[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/ssl/cert.pem",
	"/etc/pki/tls/certs/ca-bundle.crt",
};

struct tls_creds *
tls_client_creds_load(const char *ca, const char *cert, const char *key,
    char *err, size_t errlen)
{
	size_t i;

	if (ca == NULL) {
		for (i = 0; i < sizeof(system_ca) / sizeof(system_ca[0]); i++)
			if (access(system_ca[i], R_OK) == 0) {
				ca = system_ca[i];
				break;
			}
		if (ca == NULL) {
			snprintf(err, errlen, "no CA file for https sources: set "
			    "[metrics] ca (none of the system's CA bundles, e.g. "
			    "%s, is here)", system_ca[0]);
			return NULL;
		}
	}
	return creds_load(cert, key, ca, NULL, 0, 0, err, errlen);
}

struct tls_client {
	br_ssl_client_context cc;
	struct x509_wrap xw;
	struct tls_creds *creds;
	int up;
	struct wire w;
	unsigned char ibuf[BR_SSL_BUFSIZE_INPUT];
	unsigned char obuf[512 + 85];	/* a GET fits in a record */
};

static const uint16_t client_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};


struct tls_client *
tls_client_new(struct tls_creds *c, const char *host)
{
	struct tls_client *t = xcalloc(1, sizeof(*t));
	br_ssl_engine_context *eng = &t->cc.eng;
	int is_ip;

	t->creds = tls_creds_ref(c);
	br_ssl_client_init_full(&t->cc, &t->xw.mini, c->ta, c->nta);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, client_suites,
	    sizeof(client_suites) / sizeof(client_suites[0]));
	br_ssl_engine_set_buffers_bidi(eng, t->ibuf, sizeof(t->ibuf), t->obuf,
	    sizeof(t->obuf));
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
	t->xw.vtable = &x509_wrap_class;
	is_ip = inet_pton(AF_INET, host, t->xw.ip) == 1 ? 4 :
	    inet_pton(AF_INET6, host, t->xw.ip) == 1 ? 16 : 0;
	t->xw.iplen = (size_t)is_ip;
	br_ssl_engine_set_x509(eng, &t->xw.vtable);
	if (c->nchain > 0 && c->key_type == BR_KEYTYPE_EC)
		br_ssl_client_set_single_ec(&t->cc, c->chain, c->nchain, &c->ec,
		    BR_KEYTYPE_SIGN, c->issuer_type, br_ec_get_default(),
		    br_ecdsa_sign_asn1_get_default());
	else if (c->nchain > 0)
		br_ssl_client_set_single_rsa(&t->cc, c->chain, c->nchain,
		    &c->rsa, br_rsa_pkcs1_sign_get_default());
	seed_engine(eng);
	/* An IP host: no SNI, and the name is checked against iPAddress
	 * SANs by the wrapper instead of BearSSL's dNSName match. */
	br_ssl_client_reset(&t->cc, is_ip ? NULL : host, 0);
	return t;
}

void
tls_client_free(struct tls_client *t)
{
	if (t == NULL)
		return;
	free(t->xw.ee);
	wire_free(&t->w);
	tls_creds_unref(t->creds);
	free(t);
}

int
tls_client_handshake(struct tls_client *t, int fd)
{
	br_ssl_engine_context *eng = &t->cc.eng;

	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		ssize_t n;

		if (st == BR_SSL_CLOSED) {
			errno = br_ssl_engine_last_error(eng) ? EPROTO : ECONNRESET;
			return -1;
		}
		if (engine_push_state(eng, &t->w, fd, &st) < 0)
			return -1;
		if (st == BR_SSL_CLOSED)
			continue;
		if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) {
			t->up = 1;
			return 1;
		}
		if (!(st & BR_SSL_RECVREC))
			return 0;	/* records to push: wait for POLLOUT */
		n = wire_recv(eng, &t->w, fd, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
	}
}

ssize_t
tls_client_recv(struct tls_client *t, int fd, void *buf, size_t len)
{
	return engine_recv(&t->cc.eng, &t->w, fd, buf, len, &t->up);
}

ssize_t
tls_client_send(struct tls_client *t, int fd, const void *buf, size_t len)
{
	struct iovec iov;

	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	return engine_send(&t->cc.eng, &t->w, fd, &iov, 1);
}

int
tls_client_pending(const struct tls_client *t)
{
	return wire_pending(&t->cc.eng, &t->w);
}

int
tls_client_push(struct tls_client *t, int fd)
{
	return engine_push(&t->cc.eng, &t->w, fd);
}

const char *
tls_client_error(const struct tls_client *t, char *out, size_t cap)
{
	return engine_error(&t->cc.eng, out, cap);
}
