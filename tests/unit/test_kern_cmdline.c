/*
 * The kernel command line (core/kern/cmdline.c): each case boots the
 * hosted kernel with a command line, asks cmdline_get() and
 * cmdline_has() from inside it, and checks the answers from outside.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hosted.h"
#include "kern/cmdline.h"

#define NQUERIES	16

/* One question asked inside the kernel, and its answers. */
struct query {
	const char *arg;
	const char *value;	/* cmdline_get(arg) */
	bool has;		/* cmdline_has(arg) */
};

static struct query queries[NQUERIES];
static int nqueries;

/* Inside the kernel: answer every query. */
static int ask(void *unused)
{
	int i;

	for (i = 0; i < nqueries; i++) {
		queries[i].value = cmdline_get(queries[i].arg);
		queries[i].has = cmdline_has(queries[i].arg);
	}
	return 0;
}

/* Boot with cmdline and ask about each of args (NULL-terminated). */
static void boot_and_ask(const char *cmdline, const char *const *args)
{
	struct hosted_config cfg = { .cmdline = cmdline, .quiet = true };

	for (nqueries = 0; args[nqueries] != NULL; nqueries++) {
		ck_assert_int_lt(nqueries, NQUERIES);
		queries[nqueries].arg = args[nqueries];
	}
	ck_assert_int_eq(hosted_boot(&cfg, ask, NULL), 0);
}

/* The answers about args[i]. */
#define VALUE(i)	(queries[i].value)
#define HAS(i)		(queries[i].has)

START_TEST(test_empty)
{
	static const char *const args[] = { "test", "", "quiet", NULL };

	boot_and_ask("", args);
	ck_assert_ptr_null(VALUE(0));
	ck_assert_ptr_null(VALUE(1));
	ck_assert(!HAS(0) && !HAS(1) && !HAS(2));
}
END_TEST

START_TEST(test_keys_values_and_bare_words)
{
	static const char *const args[] = { "test", "panic", "quiet", "tes",
	    "boot", "test=boot", "panic=reboot", "test=", NULL };

	boot_and_ask("test=boot panic=poweroff quiet", args);
	ck_assert_str_eq(VALUE(0), "boot");
	ck_assert_str_eq(VALUE(1), "poweroff");
	ck_assert_str_eq(VALUE(2), "");
	ck_assert_ptr_null(VALUE(3));
	ck_assert_ptr_null(VALUE(4));
	/* has: whole words only, the key alone is not the word. */
	ck_assert(!HAS(0));
	ck_assert(HAS(2));
	ck_assert(!HAS(3));
	ck_assert(HAS(5));
	ck_assert(!HAS(6));
	ck_assert(!HAS(7));
}
END_TEST

START_TEST(test_last_one_wins)
{
	static const char *const args[] = { "console", "console=a",
	    "console=b", "console=c", NULL };

	boot_and_ask("console=a x console=b", args);
	ck_assert_str_eq(VALUE(0), "b");
	ck_assert(HAS(1) && HAS(2) && !HAS(3));
}
END_TEST

START_TEST(test_blanks_quotes_and_equals)
{
	static const char *const args[] = { "a", "b", "init", "root", "e",
	    "e=", "x y", "c", NULL };

	boot_and_ask("  a=1\t\tb\n init=\"/bin/sh -c ls\" root=LABEL=x e= "
	    "\"x y\" c=\"\"", args);
	ck_assert_str_eq(VALUE(0), "1");
	ck_assert_str_eq(VALUE(1), "");
	ck_assert_str_eq(VALUE(2), "/bin/sh -c ls");
	ck_assert_str_eq(VALUE(3), "LABEL=x");
	ck_assert_str_eq(VALUE(4), "");
	ck_assert(HAS(5));
	ck_assert(HAS(6));
	ck_assert_str_eq(VALUE(7), "");
}
END_TEST

/* Too many words: the first CMDLINE_WORDS (128) stay. */
START_TEST(test_too_many_words)
{
	static char line[4096];
	static const char *const args[] = { "w0", "w127", "w128", NULL };
	size_t n = 0;
	int i;

	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "w%d=%d ",
		    i, i);
	boot_and_ask(line, args);
	ck_assert_str_eq(VALUE(0), "0");
	ck_assert_str_eq(VALUE(1), "127");
	ck_assert_ptr_null(VALUE(2));
}
END_TEST

/* A word longer than the room is dropped whole; later ones still fit. */
START_TEST(test_too_many_bytes)
{
	static char line[8192];
	static const char *const args[] = { "first", "long", "last", NULL };
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "first long=");
	memset(line + n, 'x', 5000);
	snprintf(line + n + 5000, sizeof(line) - n - 5000, " last=1");
	boot_and_ask(line, args);
	ck_assert_str_eq(VALUE(0), "");
	ck_assert_ptr_null(VALUE(1));
	ck_assert_str_eq(VALUE(2), "1");
}
END_TEST

static Suite *cmdline_suite(void)
{
	Suite *s = suite_create("kern_cmdline");
	TCase *tc = tcase_create("cmdline");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_keys_values_and_bare_words);
	tcase_add_test(tc, test_last_one_wins);
	tcase_add_test(tc, test_blanks_quotes_and_equals);
	tcase_add_test(tc, test_too_many_words);
	tcase_add_test(tc, test_too_many_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cmdline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
