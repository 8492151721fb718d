/*
 * The HTTP/1.1 request-head parser as the server drives it: the bytes
 * arrive in pieces (split where the input's first bytes say), the parse
 * resumes from its hint each time; then the chunked decoder on what
 * follows the head, again in pieces; and the scraper's response-head
 * parser on the same bytes.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "http.h"

#define MAX_HEAD 8192

FUZZ_QUIET_INIT()

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	struct http_response resp;
	struct http_chunked ch;
	const char *reason;
	size_t step, have, scan = 0, used, out, off;
	char *buf;
	long head = HTTP_PARSE_MORE;
	int status;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 64;	/* bytes per arrival */
	data++;
	size--;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	for (have = 0; have < size && head == HTTP_PARSE_MORE;) {
		have = have + step > size ? size : have + step;
		head = http_parse_head(buf, have, &scan, MAX_HEAD, &req,
		    &status, &reason);
	}
	if (head > 0 && http_header_get(&req, "transfer-encoding") != NULL) {
		http_chunked_init(&ch);
		for (off = (size_t)head; off < size;) {
			size_t n = size - off < step ? size - off : step;
			int r = http_chunked_feed(&ch, buf + off, n, &out,
			    &used);

			if (r != 0 || used == 0)
				break;
			off += used;
		}
	}
	memcpy(buf, data, size);
	scan = 0;
	(void)http_parse_response_head(buf, size, &scan, MAX_HEAD, &resp,
	    &reason);
	free(buf);
	return 0;
}
