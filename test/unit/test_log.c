/*
 * log.c: the once-a-second limit for repeated events and the rendering
 * of untrusted bytes as field values.
 */
#include "log.h"
#include "t.h"

static void
test_limit_once_a_second_with_the_count(void)
{
	struct log_limit l = { 0, 0 };
	unsigned long skipped = 99;
	int i, passed = 0;

	/* the first event passes at once, even at clock 0 */
	T_CHECK(log_limit_pass(&l, 0, &skipped));
	T_EQ_INT(skipped, 0);
	/* 0 stands for "never": the next must still wait a second */
	T_CHECK(!log_limit_pass(&l, 999, &skipped));
	for (i = 0; i < 10; i++)
		passed += log_limit_pass(&l, 500 + (uint64_t)i, &skipped);
	T_EQ_INT(passed, 0);
	T_CHECK(log_limit_pass(&l, 1001, &skipped));
	T_EQ_INT(skipped, 11);
	/* over 10 s at one event every 10 ms: 10 lines, the rest counted */
	passed = 0;
	for (i = 1; i <= 1000; i++)
		passed += log_limit_pass(&l, 1001 + 10 * (uint64_t)i, &skipped);
	T_EQ_INT(passed, 10);
	T_EQ_INT(skipped, 99);
	T_EQ_INT(l.skipped, 0);
}

static void
test_value_quotes_and_escapes(void)
{
	char out[64];

	T_CHECK(strcmp(log_value(out, sizeof(out), "n1", 2), "n1") == 0);
	T_CHECK(strcmp(log_value(out, sizeof(out), "a b", 3), "\"a b\"") == 0);
	T_CHECK(strcmp(log_value(out, sizeof(out), "", 0), "\"\"") == 0);
	T_CHECK(strcmp(log_value(out, sizeof(out), "x\ny", 3), "x\\x0ay") == 0);
}

T_SUITE(
	{"limit_once_a_second_with_the_count",
	    test_limit_once_a_second_with_the_count},
	{"value_quotes_and_escapes", test_value_quotes_and_escapes},
);
