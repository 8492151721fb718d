#include "podres.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quantity.h"

/*
 * One quantity value: Kubernetes accepts a JSON string or a bare number
 * (Quantity.UnmarshalJSON), surrounding spaces trimmed; null is zero.
 */
static int
decode_quantity(const struct json_doc *d, int v, int milli, double *out,
    const char *what, char *err, size_t errcap)
{
	const struct json_tok *t = &d->tok[v];
	char text[64];
	const char *s;
	size_t n;
	struct quantity q;

	if (t->type == JSON_NULL) {
		*out = 0;
		return 0;
	}
	if (t->type == JSON_STRING) {
		long len = json_str(d, v, text, sizeof(text));

		if (len < 0 || (size_t)len >= sizeof(text))
			goto bad;
		s = text;
		n = (size_t)len;
	} else if (t->type == JSON_NUMBER) {
		s = d->src + t->start;
		n = t->end - t->start;
	} else {
		return json_type_error(d, v, what, "a quantity string", err,
		    errcap);
	}
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (quantity_parse(s, n, &q) < 0)
		goto bad;
	*out = (double)(milli ? quantity_milli(&q) : quantity_value(&q));
	return 0;
bad:
	snprintf(err, errcap, "offset %u: %s: '%.*s' is not a quantity",
	    t->start, what, (int)(t->end - t->start > 40 ? 40 :
	    t->end - t->start), d->src + t->start);
	return -1;
}

/*
 * A ResourceList (requests, limits, overhead): cpu and memory, matched
 * exactly as Go matches map keys; other resources are not read.
 */
int
podres_resource_list(const struct json_doc *d, int obj, const char *what,
    struct ns_res *res, unsigned *flags, unsigned cpu_flag,
    unsigned mem_flag, char *err, size_t errcap)
{
	char path[160];
	int k;

	for (k = json_first(d, obj); k >= 0; k = json_next(d, obj, k)) {
		int is_cpu = json_str_eq(d, k, "cpu", 3);

		if (!is_cpu && !json_str_eq(d, k, "memory", 6))
			continue;
		snprintf(path, sizeof(path), "%s.%s", what,
		    is_cpu ? "cpu" : "memory");
		if (decode_quantity(d, k + 1, is_cpu, is_cpu ? &res->cpu_m :
		    &res->mem_b, path, err, errcap) < 0)
			return -1;
		*flags |= is_cpu ? cpu_flag : mem_flag;
	}
	return 0;
}

static int
decode_container(const struct json_doc *d, int c, const char *what,
    struct ns_container *out, char *err, size_t errcap)
{
	static const struct {
		const char *key;
		unsigned cpu, mem;
	} lists[2] = {
		{ "requests", NS_C_REQ_CPU, NS_C_REQ_MEM },
		{ "limits", NS_C_LIM_CPU, NS_C_LIM_MEM },
	};
	char path[160];
	int res, list, i;

	if (d->tok[c].type != JSON_OBJECT)
		return json_type_error(d, c, what, "an object", err, errcap);
	snprintf(path, sizeof(path), "%s.resources", what);
	if (json_opt_member(d, c, "resources", JSON_OBJECT, path, &res, err,
	    errcap) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s.resources.%s", what,
		    lists[i].key);
		if (json_opt_member(d, res, lists[i].key, JSON_OBJECT, path,
		    &list, err, errcap) < 0)
			return -1;
		if (list >= 0 && podres_resource_list(d, list, path,
		    i == 0 ? &out->req : &out->lim, &out->flags, lists[i].cpu,
		    lists[i].mem, err, errcap) < 0)
			return -1;
	}
	return 0;
}

int
pod_spec_decode(const struct json_doc *d, int pod, struct arena *a,
    struct pod_spec *out, char *err, size_t errcap)
{
	static const char *const lists[2] = { "containers", "initContainers" };
	int spec, arr[2], over, i, c;
	size_t n = 0, k = 0;
	char what[96];

	memset(out, 0, sizeof(*out));
	if (json_opt_member(d, pod, "spec", JSON_OBJECT, "Pod.spec", &spec,
	    err, errcap) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "Pod.spec.%s", lists[i]);
		if (json_opt_member(d, spec, lists[i], JSON_ARRAY, what,
		    &arr[i], err, errcap) < 0)
			return -1;
		if (arr[i] >= 0)
			n += d->tok[arr[i]].size;
	}
	out->containers = arena_alloc(a, (n + 1) * sizeof(*out->containers));
	memset(out->containers, 0, (n + 1) * sizeof(*out->containers));
	for (i = 0; i < 2; i++) {
		size_t j = 0;

		if (arr[i] < 0)
			continue;
		for (c = json_first(d, arr[i]); c >= 0;
		    c = json_next(d, arr[i], c), j++, k++) {
			snprintf(what, sizeof(what), "Pod.spec.%s[%zu]",
			    lists[i], j);
			if (decode_container(d, c, what, &out->containers[k],
			    err, errcap) < 0)
				return -1;
			if (i == 1)
				out->containers[k].flags |= NS_C_INIT;
		}
	}
	out->ncontainers = k;
	if (json_opt_member(d, spec, "overhead", JSON_OBJECT,
	    "Pod.spec.overhead", &over, err, errcap) < 0)
		return -1;
	if (over >= 0) {
		out->has_overhead = 1;
		if (podres_resource_list(d, over, "Pod.spec.overhead",
		    &out->overhead.req, &out->overhead.flags, NS_C_REQ_CPU,
		    NS_C_REQ_MEM, err, errcap) < 0)
			return -1;
	}
	return 0;
}

void
pod_effective(const struct ns_container *c, size_t n,
    const struct ns_res *overhead, struct ns_res *req, struct ns_res *lim)
{
	struct ns_res init_req = { 0, 0 }, init_lim = { 0, 0 };
	struct ns_res r = { 0, 0 }, l = { 0, 0 };
	size_t j;

	for (j = 0; j < n; j++) {
		if (c[j].flags & NS_C_INIT) {
			init_req.cpu_m = fmax(init_req.cpu_m, c[j].req.cpu_m);
			init_req.mem_b = fmax(init_req.mem_b, c[j].req.mem_b);
			init_lim.cpu_m = fmax(init_lim.cpu_m, c[j].lim.cpu_m);
			init_lim.mem_b = fmax(init_lim.mem_b, c[j].lim.mem_b);
		} else {
			r.cpu_m += c[j].req.cpu_m;
			r.mem_b += c[j].req.mem_b;
			l.cpu_m += c[j].lim.cpu_m;
			l.mem_b += c[j].lim.mem_b;
		}
	}
	req->cpu_m = fmax(r.cpu_m, init_req.cpu_m);
	req->mem_b = fmax(r.mem_b, init_req.mem_b);
	lim->cpu_m = fmax(l.cpu_m, init_lim.cpu_m);
	lim->mem_b = fmax(l.mem_b, init_lim.mem_b);
	if (overhead != NULL) {
		req->cpu_m += overhead->cpu_m;
		req->mem_b += overhead->mem_b;
		lim->cpu_m += overhead->cpu_m;
		lim->mem_b += overhead->mem_b;
	}
}
