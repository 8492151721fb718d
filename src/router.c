#include "router.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "decisions.h"
#include "json.h"
#include "log.h"
#include "nodestore.h"
#include "scrape.h"
#include "snapshot.h"
#include "stats.h"
#include "storeview.h"
#include "version.h"

void
router_error(int status, const char *msg, struct buf *body,
    struct response *resp)
{
	resp->status = status;
	resp->ctype = "application/json";
	buf_adds(body, "{\"Error\":");
	json_write_str(body, msg, strlen(msg));
	buf_adds(body, "}\n");
}

static void
text(int status, const char *msg, struct buf *body, struct response *resp)
{
	resp->status = status;
	resp->ctype = "text/plain; charset=utf-8";
	buf_adds(body, msg);
}

/* Ready: not draining, and every metrics source has fresh data. */
static int
router_ready(const struct router_env *env)
{
	struct buf why;
	int ok;

	if (env->draining)
		return 0;
	if (env->scraper == NULL)
		return 1;
	buf_init(&why);
	ok = scraper_ready(env->scraper, &why);
	buf_free(&why);
	return ok;
}

static void
readyz(const struct router_env *env, struct buf *body, struct response *resp)
{
	if (env->draining) {
		text(503, "not ready: shutting down\n", body, resp);
		return;
	}
	if (stats.tls_on && (double)time(NULL) > stats.tls_cert_not_after) {
		text(503, "not ready: the serving certificate (tls_cert) has "
		    "expired\n", body, resp);
		return;
	}
	buf_adds(body, "not ready: ");
	if (env->scraper && !scraper_ready(env->scraper, body)) {
		buf_addc(body, '\n');
		resp->status = 503;
		resp->ctype = "text/plain; charset=utf-8";
		return;
	}
	body->len = 0;
	text(200, "ok\n", body, resp);
}

static void
json_kv_str(struct buf *b, const char *key, const char *v)
{
	json_write_str(b, key, strlen(key));
	buf_addc(b, ':');
	if (v)
		json_write_str(b, v, strlen(v));
	else
		buf_adds(b, "null");
}

static void
status(const struct router_env *env, struct buf *b, struct response *resp)
{
	const struct config *c = env->cfg;
	size_t i;

	resp->status = 200;
	resp->ctype = "application/json";
	buf_addc(b, '{');
	json_kv_str(b, "version", wca_version);
	buf_addc(b, ',');
	json_kv_str(b, "revision", wca_revision);
	buf_addc(b, ',');
	json_kv_str(b, "config", c->path);
	buf_addc(b, ',');
	json_kv_str(b, "algorithm", algo_name(c->algo));
	buf_addc(b, ',');
	json_kv_str(b, "score_mode", c->score_mode == SCORE_WCA ? "wca" :
	    "clamp");
	buf_adds(b, ",\"algorithm_params\":");
	algo_params_json(c, b);
	buf_adds(b, ",\"ready\":");
	buf_adds(b, router_ready(env) ? "true" : "false");
	buf_adds(b, ",\"draining\":");
	buf_adds(b, env->draining ? "true" : "false");
	buf_adds(b, ",\"uptime_seconds\":");
	json_write_num(b, env->unix_now - stats.start_time);
	buf_printf(b, ",\"connections\":%zu", env->connections);
	buf_adds(b, ",\"listen\":[");
	for (i = 0; i < c->nlisten; i++) {
		if (i)
			buf_addc(b, ',');
		json_write_str(b, c->listen[i].text, strlen(c->listen[i].text));
	}
	buf_adds(b, "],\"namespaces\":[");
	for (i = 0; i < c->nnamespaces; i++) {
		if (i)
			buf_addc(b, ',');
		json_write_str(b, c->namespaces[i], strlen(c->namespaces[i]));
	}
	buf_adds(b, "],\"last_reload\":{\"ok\":");
	buf_adds(b, stats.last_reload_ok ? "true" : "false");
	buf_adds(b, ",\"time\":");
	json_write_num(b, stats.last_reload_time);
	buf_printf(b, ",\"successes\":%llu,\"failures\":%llu}",
	    (unsigned long long)stats.reloads_ok,
	    (unsigned long long)stats.reloads_failed);
	buf_adds(b, ",\"sources\":");
	if (env->scraper)
		scraper_status_json(env->scraper, b);
	else
		buf_adds(b, "[]");
	buf_printf(b, ",\"nodes\":%zu,\"apps\":%zu}\n",
	    env->store ? ns_node_count(env->store) : 0,
	    env->store ? ns_app_count(env->store) : 0);
}

/*
 * The pod= value of a query ("pod=NS/NAME", %XX decoded) into out;
 * 1 found, 0 absent, -1 malformed.
 */
static int
query_pod(struct http_span q, char *out, size_t cap, size_t *len)
{
	size_t i = 0, n = 0;

	while (i < q.n) {
		size_t end = i;

		while (end < q.n && q.p[end] != '&')
			end++;
		if (end - i >= 4 && memcmp(q.p + i, "pod=", 4) == 0) {
			for (i += 4; i < end; i++) {
				int c = (unsigned char)q.p[i];

				if (c == '%') {
					char hex[3];

					if (i + 2 >= end)
						return -1;
					hex[0] = q.p[i + 1];
					hex[1] = q.p[i + 2];
					hex[2] = '\0';
					if (!isxdigit((unsigned char)hex[0]) ||
					    !isxdigit((unsigned char)hex[1]))
						return -1;
					c = (int)strtol(hex, NULL, 16);
					i += 2;
				} else if (c == '+')
					c = ' ';
				if (n + 1 >= cap)
					return -1;
				out[n++] = (char)c;
			}
			out[n] = '\0';
			*len = n;
			return 1;
		}
		i = end + 1;
	}
	return 0;
}

static void
explain(const struct router_env *env, const struct http_request *req,
    struct buf *body, struct response *resp)
{
	char pod[2 * DEC_NAME_MAX + 2];
	const char *slash;
	size_t len;
	int r;

	if (env->decisions == NULL) {
		router_error(404, "the decision log is off ([server] decisions "
		    "= 0)", body, resp);
		return;
	}
	r = query_pod(req->query, pod, sizeof(pod), &len);
	if (r < 0) {
		router_error(400, "explain: pod= must be NAMESPACE/NAME", body,
		    resp);
		return;
	}
	if (r == 0) {
		if (!dec_explain_text(env->decisions, body)) {
			text(404, "no decision recorded yet\n", body, resp);
			return;
		}
		resp->status = 200;
		resp->ctype = "text/plain; charset=utf-8";
		return;
	}
	slash = memchr(pod, '/', len);
	if (slash == NULL || slash == pod || slash + 1 == pod + len) {
		router_error(400, "explain: pod= must be NAMESPACE/NAME", body,
		    resp);
		return;
	}
	if (dec_explain_json(env->decisions, pod, (size_t)(slash - pod),
	    slash + 1, len - (size_t)(slash - pod) - 1, body) == 0) {
		char msg[2 * DEC_NAME_MAX + 128];

		body->len = 0;
		snprintf(msg, sizeof(msg), "no decision about pod %s among the "
		    "last %zu kept", pod, dec_log_size(env->decisions));
		router_error(404, msg, body, resp);
		return;
	}
	resp->status = 200;
	resp->ctype = "application/json";
}

static int
is_get(const struct http_request *req)
{
	return req->method == HTTP_GET || req->method == HTTP_HEAD;
}

void
router_dispatch(const struct router_env *env, const struct http_request *req,
    const char *reqbody, size_t len, struct ext_scratch *scratch,
    struct buf *body, struct response *resp)
{
	struct http_span seg = http_path_last_segment(req->path);
	enum route r = route_from_segment(seg.p, seg.n);

	resp->route = r;
	resp->nodes = -1;
	resp->allow = NULL;
	if (env->health_only && r != ROUTE_HEALTHZ && r != ROUTE_READYZ &&
	    r != ROUTE_METRICS) {
		router_error(404, "health_listen serves /healthz, /readyz and "
		    "/metrics only", body, resp);
		return;
	}
	switch (r) {
	case ROUTE_FILTER:
	case ROUTE_PRIORITIZE:
	case ROUTE_PREEMPT:
		if (req->method != HTTP_POST) {
			resp->allow = "POST";
			router_error(405, "method not allowed: use POST", body,
			    resp);
			return;
		}
		resp->ctype = "application/json";
		if (r != ROUTE_PREEMPT)
			capture_request(env->capture, r, reqbody, len,
			    env->now_ms);
		resp->status = ext_handle_recorded(r, env->cfg, env->store,
		    env->now, env->unix_now, env->memo, env->decisions, scratch,
		    reqbody, len, body, &resp->nodes);
		return;
	case ROUTE_OTHER:
		router_error(404, "not found", body, resp);
		return;
	default:
		break;
	}
	if (!is_get(req)) {
		resp->allow = "GET, HEAD";
		router_error(405, "method not allowed: use GET", body, resp);
		return;
	}
	switch (r) {
	case ROUTE_METRICS:
		resp->status = 200;
		resp->ctype = "text/plain; version=0.0.4; charset=utf-8";
		stats_render(body, algo_name(env->cfg->algo));
		if (env->scraper)
			scraper_metrics(env->scraper, body);
		if (env->store)
			storeview_metrics(env->store, body);
		return;
	case ROUTE_HEALTHZ:
		text(200, "ok\n", body, resp);
		return;
	case ROUTE_READYZ:
		readyz(env, body, resp);
		return;
	case ROUTE_STATUS:
		status(env, body, resp);
		return;
	case ROUTE_EXPLAIN:
		explain(env, req, body, resp);
		return;
	case ROUTE_SNAPSHOT:
		resp->status = 200;
		resp->ctype = "text/plain; version=0.0.4; charset=utf-8";
		snapshot_write(env->store, env->now, env->unix_now,
		    env->cfg->staleness, body);
		return;
	case ROUTE_NODES:
		resp->status = 200;
		resp->ctype = "application/json";
		if (env->store)
			storeview_nodes_json(env->store, env->now,
			    env->cfg->staleness, body);
		else
			buf_adds(body, "{\"nodes\":[],\"apps\":[]}");
		buf_addc(body, '\n');
		return;
	default:
		router_error(404, "not found", body, resp);
		return;
	}
}
