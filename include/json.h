/*
 * json: a validating wrapper over jsmn, typed lookups, string decoding,
 * and a writer.
 *
 * Pure module: no I/O, no globals.  A json_doc borrows the source text
 * (it must outlive the doc) and owns its token array; the array is kept
 * across json_parse() calls so a connection parsing request after request
 * allocates only when a body needs more tokens than any earlier one.
 */
#ifndef WCA_JSON_H
#define WCA_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum json_type {
	JSON_OBJECT = 1,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL
};

/*
 * One value.  For strings, [start, end) excludes the quotes.  For
 * objects and arrays, [start, end) spans the brackets.  `size` is the
 * number of members (pairs for an object, elements for an array).
 * `next` is the index of the token after this whole subtree, so siblings
 * are walked without descending.  In an object, members alternate
 * key (a JSON_STRING), value.
 */
struct json_tok {
	uint32_t start;
	uint32_t end;
	uint32_t size;
	uint32_t next;
	uint8_t type;
	uint8_t escaped;       /* a string with backslash escapes */
};

struct json_doc {
	const char *src;       /* borrowed */
	size_t len;
	struct json_tok *tok;  /* owned; tok[0] is the root value */
	uint32_t ntok;
	uint32_t cap;
	void *jsmn_toks;       /* owned scratch for jsmn, kept between parses */
	uint32_t jsmn_cap;
	uint32_t *esc;         /* owned: starts of strings with escapes */
	uint32_t nesc;
	uint32_t esc_cap;
};

#define JSON_ERR_LEN 160

void json_doc_init(struct json_doc *d);
void json_doc_free(struct json_doc *d);
/* Free the token arrays if together they take more than max_bytes. */
void json_doc_trim(struct json_doc *d, size_t max_bytes);

/*
 * Parse and fully validate `len` bytes (RFC 8259: one value, optional
 * surrounding white space, strings with valid escapes and UTF-8, no raw
 * control characters, numbers per the grammar).  Returns 0, or -1 with
 * `err` set to "offset N: what".  Inputs of 2 GiB or more are refused.
 */
int json_parse(struct json_doc *d, const char *src, size_t len,
    char err[JSON_ERR_LEN]);

/* Walk children: for an object yields keys (value = key + 1). */
static inline int
json_first(const struct json_doc *d, int i)
{
	return d->tok[i].size ? i + 1 : -1;
}
/*
 * The member after `i` inside container `parent`, or -1 at the end.
 * In an array `i` is an element; in an object `i` is a key and the
 * result is the next key.
 */
int json_next(const struct json_doc *d, int parent, int i);

/*
 * Object member lookup by Go's encoding/json rule: an exact key match
 * wins, otherwise the first key equal under Unicode simple case folding
 * (ASCII and the Kelvin/long-s special cases).  Keys are compared after
 * escape decoding.  Returns the value token or -1.
 */
int json_get(const struct json_doc *d, int obj, const char *key);

/* Follow a path of keys; -1 when any step is missing or not an object. */
int json_path(const struct json_doc *d, int obj, const char *const *keys,
    size_t nkeys);

/*
 * Decode string token `i` (escapes, surrogate pairs) into `out` (always
 * NUL-terminated when outcap > 0).  Returns the decoded length, which
 * may exceed outcap - 1 (then the output is truncated), or -1 if `i`
 * is not a string.
 */
long json_str(const struct json_doc *d, int i, char *out, size_t outcap);

/* Compare decoded string token `i` to `s` (length n); 1 when equal. */
int json_str_eq(const struct json_doc *d, int i, const char *s, size_t n);

/* True when string token `i` has no escapes: its raw span is its value. */
int json_str_is_raw(const struct json_doc *d, int i);

/* Number token `i` as a double; -1 if not a number. */
int json_number(const struct json_doc *d, int i, double *out);

/*
 * Typed access with errors that say where: "offset N: WHAT: expected
 * EXPECTED, got TYPE" into err (errcap bytes).  Returns -1.
 */
int json_type_error(const struct json_doc *d, int tok, const char *what,
    const char *expected, char *err, size_t errcap);
/*
 * An optional member of `type`: *out is its value token, or -1 when it
 * is absent or null.  Any other type is an error naming `what`.
 */
int json_opt_member(const struct json_doc *d, int obj, const char *key,
    enum json_type type, const char *what, int *out, char *err,
    size_t errcap);

/* Writer: appends to a struct buf (buf.h) that the caller owns. */

/*
 * Append `s` (n bytes, UTF-8) as a quoted JSON string: `"`, `\\`, and
 * every control character escaped (\n \r \t \b \f or \u00XX), U+2028 and
 * U+2029 escaped, invalid UTF-8 bytes replaced by U+FFFD.
 */
void json_write_str(struct buf *b, const char *s, size_t n);
/* Append a number the way Go and Python agree on: integers without a
 * fraction, others with the shortest round-trip digits. */
void json_write_num(struct buf *b, double v);

/* Unix time t as 2026-11-25T03:40:24.123Z; returns out. */
#define JSON_TIME_LEN 40
const char *json_format_time(char out[JSON_TIME_LEN], double t);

/* "key": and Unix time t as "2026-11-25T03:40:24.123Z", or null when
 * !have; no key when key is NULL. */
void json_write_time(struct buf *out, const char *key, int have, double t);

#endif
