/*
 * golden.h: reading the golden vectors in ../shared/golden from unit
 * tests.  Define GOLDEN_DIR (the directory of the suite's files) before
 * including it.  Tests run from the repository root.
 */
#ifndef WCA_TEST_GOLDEN_H
#define WCA_TEST_GOLDEN_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "json.h"


struct golden {
	char *text;
	size_t len;
	struct json_doc d;
	int ok;
};

static int
golden_load(struct golden *g, const char *name)
{
	char path[256], err[JSON_ERR_LEN];
	FILE *f;
	long n;

	memset(g, 0, sizeof(*g));
	json_doc_init(&g->d);
	snprintf(path, sizeof(path), "%s/%s.json", GOLDEN_DIR, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		printf("#   cannot open %s (run from the repository root)\n",
		    path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	g->text = malloc((size_t)n + 1);
	g->len = fread(g->text, 1, (size_t)n, f);
	fclose(f);
	if (json_parse(&g->d, g->text, g->len, err) < 0) {
		printf("#   %s: %s\n", path, err);
		return -1;
	}
	g->ok = 1;
	return 0;
}

static void
golden_free(struct golden *g)
{
	json_doc_free(&g->d);
	free(g->text);
}

/* Value at a path of keys from the root, or -1. */
static int
at(const struct json_doc *d, int obj, const char *k1, const char *k2)
{
	int v = json_get(d, obj, k1);

	if (v >= 0 && k2)
		v = d->tok[v].type == JSON_OBJECT ? json_get(d, v, k2) : -1;
	return v;
}

/* String token into buf (truncated to cap - 1). */
static const char *
str(const struct json_doc *d, int tok, char *out, size_t cap)
{
	out[0] = '\0';
	if (tok >= 0 && d->tok[tok].type == JSON_STRING)
		json_str(d, tok, out, cap);
	return out;
}

static double
num(const struct json_doc *d, int tok)
{
	double v = NAN;

	if (tok >= 0)
		json_number(d, tok, &v);
	return v;
}

/* A configuration from INI text; its errors, if any, as TAP comments. */
static struct config *
golden_config(const struct buf *ini)
{
	struct config_errors errs;
	struct config *c = config_load_string("golden.ini", ini->p, ini->len,
	    &errs);
	size_t i;

	if (c == NULL) {
		for (i = 0; i < errs.n; i++)
			printf("#   %s\n", errs.msg[i]);
		config_errors_free(&errs);
	}
	return c;
}

#endif
