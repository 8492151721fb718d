/*
 * t.h: the unit-test harness.  A test binary lists its tests in a table;
 * each test reports checks through T_CHECK and friends.  Output is TAP:
 * "ok N - name" / "not ok N - name", with failing checks as "#" lines.
 * test/run.sh counts those lines across every suite and prints the one
 * closing "N passed, N failed" line.
 *
 * Usage:
 *   static void test_x(void) { T_CHECK(1 + 1 == 2); }
 *   T_SUITE({"x", test_x});
 * Run one test by name: ./test_json x
 */
#ifndef WCA_T_H
#define WCA_T_H

#include <stdio.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

static int t_failed_checks;

#define T_CHECK(cond) do {						\
	if (!(cond)) {							\
		t_failed_checks++;					\
		printf("#   %s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
	}								\
} while (0)

#define T_EQ_INT(a, b) do {						\
	long long t_a_ = (long long)(a), t_b_ = (long long)(b);		\
	if (t_a_ != t_b_) {						\
		t_failed_checks++;					\
		printf("#   %s:%d: %s == %lld, expected %s == %lld\n",	\
		    __FILE__, __LINE__, #a, t_a_, #b, t_b_);		\
	}								\
} while (0)

#define T_EQ_STR(a, b) do {						\
	const char *t_a_ = (a), *t_b_ = (b);				\
	if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) {	\
		t_failed_checks++;					\
		printf("#   %s:%d: %s is \"%s\", expected \"%s\"\n",	\
		    __FILE__, __LINE__, #a, t_a_ ? t_a_ : "(null)",	\
		    t_b_ ? t_b_ : "(null)");				\
	}								\
} while (0)

#define T_EQ_MEM(a, alen, b, blen) do {					\
	size_t t_al_ = (alen), t_bl_ = (blen);				\
	if (t_al_ != t_bl_ || memcmp((a), (b), t_al_) != 0) {		\
		t_failed_checks++;					\
		printf("#   %s:%d: %s is \"%.*s\", expected \"%.*s\"\n",	\
		    __FILE__, __LINE__, #a, (int)t_al_, (const char *)(a), \
		    (int)t_bl_, (const char *)(b));			\
	}								\
} while (0)

#define T_SUITE(...)							\
static const struct t_case t_cases[] = { __VA_ARGS__ };		\
int									\
main(int argc, char **argv)						\
{									\
	size_t i, n = sizeof(t_cases) / sizeof(t_cases[0]);		\
	int num = 0, bad = 0;						\
	setvbuf(stdout, NULL, _IOLBF, 0);				\
	for (i = 0; i < n; i++) {					\
		int before = t_failed_checks;				\
		if (argc > 1 && strcmp(argv[1], t_cases[i].name) != 0)	\
			continue;					\
		t_cases[i].fn();					\
		num++;							\
		if (t_failed_checks != before)				\
			bad++;						\
		printf("%sok %d - %s: %s\n",				\
		    t_failed_checks != before ? "not " : "", num,	\
		    argv[0], t_cases[i].name);				\
	}								\
	printf("1..%d\n", num);						\
	return bad ? 1 : 0;						\
}

#endif
