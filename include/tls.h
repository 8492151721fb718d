/*
 * tls: HTTPS serving with BearSSL, driven by the event loop.
 *
 * tls_creds is what the files give: the serving chain and key, the
 * client CA's trust anchors and the allowed client names, with the
 * session cache for handshakes made with them.  It is immutable and
 * counted: a reload makes a new one, and each connection keeps the one
 * it was accepted with until it closes.
 *
 * tls_conn is one connection's engine.  tls_conn_recv and tls_conn_send
 * read and write plaintext like recv(2)/send(2) on a non-blocking
 * socket: -1 with errno EAGAIN means "wait for the socket"; the events
 * to wait for are POLLIN, plus POLLOUT while tls_conn_pending() says
 * records are waiting to go out.
 */
#ifndef WCA_TLS_H
#define WCA_TLS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tls_creds;
struct tls_conn;

/*
 * Load the files (ca may be NULL: no client authentication).  NULL on
 * failure, with err naming the file and the problem.
 */
struct tls_creds *tls_creds_load(const char *cert, const char *key,
    const char *ca, char *const *names, size_t nnames, char *err,
    size_t errlen);
struct tls_creds *tls_creds_ref(struct tls_creds *c);
void tls_creds_unref(struct tls_creds *c);
/* The serving certificate's notAfter, Unix seconds. */
double tls_creds_not_after(const struct tls_creds *c);
/* 1 when a file it was loaded from has changed since (mtime, size,
 * inode), or is gone. */
int tls_creds_files_changed(const struct tls_creds *c);
/* What describes the files' state now, to tell a new change from one
 * already tried: a hash of their stamps. */
unsigned long long tls_creds_files_stamp(const char *cert, const char *key,
    const char *ca);

struct tls_conn *tls_conn_new(struct tls_creds *c);
void tls_conn_free(struct tls_conn *t);

ssize_t tls_conn_recv(struct tls_conn *t, int fd, void *buf, size_t len);
ssize_t tls_conn_send(struct tls_conn *t, int fd, const struct iovec *iov,
    int niov);
/* Records waiting for the socket: 1, or 0. */
int tls_conn_pending(const struct tls_conn *t);
/* Send what is pending: 1 all out, 0 the socket is full, -1 error. */
int tls_conn_push(struct tls_conn *t, int fd);
/* Queue a close_notify (sent by the next push). */
void tls_conn_close(struct tls_conn *t);

/* The handshake has completed (application data can flow). */
int tls_conn_established(const struct tls_conn *t);
/*
 * After the handshake: whether the client may call (client_names empty,
 * or its certificate's CN or a DNS SAN is listed), and who it is, as
 * "CN=x DNS=a,b" ("-" without a client certificate).
 */
int tls_conn_allowed(const struct tls_conn *t);
const char *tls_conn_identity(const struct tls_conn *t);
/* "TLS1.2 ECDHE-ECDSA-AES128-GCM-SHA256 resumed" and the like. */
void tls_conn_describe(const struct tls_conn *t, char *out, size_t cap);
/* Why the engine failed: "no client certificate (BearSSL error 29)". */
const char *tls_conn_error(const struct tls_conn *t, char *out, size_t cap);

/*
 * The scraper's side, for https:// sources: the server is verified
 * against `ca` (NULL: the system's CA bundle) and its name (a DNS name,
 * or an IP found in an iPAddress SAN); cert and key, when set, are
 * presented if the server asks.
 */
struct tls_client;
struct tls_creds *tls_client_creds_load(const char *ca, const char *cert,
    const char *key, char *err, size_t errlen);
struct tls_client *tls_client_new(struct tls_creds *c, const char *host);
void tls_client_free(struct tls_client *t);
/* Drive the handshake: 1 done, 0 wait for the socket, -1 error. */
int tls_client_handshake(struct tls_client *t, int fd);
ssize_t tls_client_recv(struct tls_client *t, int fd, void *buf, size_t len);
ssize_t tls_client_send(struct tls_client *t, int fd, const void *buf,
    size_t len);
int tls_client_pending(const struct tls_client *t);
int tls_client_push(struct tls_client *t, int fd);
const char *tls_client_error(const struct tls_client *t, char *out,
    size_t cap);

/* Free the buffers kept for reuse between records and the socket (at
 * exit, after the last connection and client are freed). */
void tls_release_buffers(void);

#endif
