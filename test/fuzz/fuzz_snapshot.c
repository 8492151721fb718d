/*
 * A snapshot file (GET /snapshot) as `explain` and `simulate` read it:
 * grouped by timestamp into sources, committed in time order; the store
 * is then written back as a snapshot and read again, and every node's
 * view taken, so the writer meets whatever the reader accepted.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nodestore.h"
#include "snapshot.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_opts o = { "node", 300, 0, 30 };
	struct ns_store *st, *again;
	const struct ns_node *n;
	struct ns_view v;
	struct buf out;
	char err[128];
	size_t bad, spare;
	double now;
	static const char placed[] = "wca_app_assigned{node=\"n\",app=\"a\"} 1\n";

	st = snapshot_read((const char *)data, size, &o, &now, &bad, &spare, err,
	    sizeof(err));
	if (st == NULL)
		return 0;
	buf_init(&out);
	snapshot_write(st, now, now, 3600, &out);
	again = snapshot_read(out.p, out.len, &o, &now, &bad, NULL, err,
	    sizeof(err));
	for (n = again ? ns_first(again) : NULL; n != NULL; n = ns_next(n))
		ns_view(again, n, now, 3600, &v);
	ns_store_free(again);
	snapshot_commit(st, spare, placed, strlen(placed), now);
	ns_store_free(st);
	buf_free(&out);
	return 0;
}
