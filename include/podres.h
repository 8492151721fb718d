/*
 * podres: what a Pod asks for, as Trimaran reads it (load-aware.md 1.1).
 *
 * pod_spec_decode() takes spec.containers, spec.initContainers and
 * spec.overhead from a Pod object in a parsed request: cpu in
 * millicores (MilliValue), memory in bytes (Value), and which keys are
 * present, because TargetLoadPacking treats a missing cpu limit
 * differently from "0".  pod_effective() is Trimaran's effective(): the
 * containers summed, the max with each init container, plus overhead;
 * the node store uses it for pods already on nodes.
 */
#ifndef WCA_PODRES_H
#define WCA_PODRES_H

#include <stddef.h>

#include "arena.h"
#include "json.h"
#include "nodestore.h"		/* struct ns_container, struct ns_res */

struct pod_spec {
	struct ns_container *containers;  /* containers, then init containers
					     (NS_C_INIT); from the arena */
	size_t ncontainers;
	int has_overhead;		/* spec.overhead is set */
	struct ns_container overhead;	/* req = the overhead, lim unused */
};

/*
 * Decode Pod object `pod` of `d`.  0, or -1 with err ("offset N:
 * Pod.spec.containers[1].resources.limits.cpu: '1x' is not a quantity").
 */
int pod_spec_decode(const struct json_doc *d, int pod, struct arena *a,
    struct pod_spec *out, char *err, size_t errcap);

/*
 * A ResourceList object (requests, limits, overhead, a Node's capacity or
 * allocatable): cpu into res->cpu_m (millicores) and memory into
 * res->mem_b (bytes), setting cpu_flag / mem_flag in *flags for each key
 * present; other resources are not read.  `what` names it in errors.
 */
int podres_resource_list(const struct json_doc *d, int obj, const char *what,
    struct ns_res *res, unsigned *flags, unsigned cpu_flag,
    unsigned mem_flag, char *err, size_t errcap);

/* effective(): `overhead` may be NULL. */
void pod_effective(const struct ns_container *c, size_t n,
    const struct ns_res *overhead, struct ns_res *req, struct ns_res *lim);

#endif
