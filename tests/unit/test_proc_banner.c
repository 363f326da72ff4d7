/*
 * The boot banner: core_main() prints exactly one line in a fixed form,
 * "biscotti 0.1.0: 4 CPUs, 63 MiB of memory managed", where the MiB are
 * the pages the allocator manages (the arena less its struct page array).
 * The biscotti program's output is checked by a ctest of its own
 * (tests/CMakeLists.txt).  Also the console's input side: console_input()
 * feeding a blocked console_read().
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "contract/entry.h"
#include "hosted.h"
#include "kern/console.h"
#include "mm/page.h"
#include "proc/thread.h"

static char expected[128];
static size_t managed_mib;

/* Inside the kernel: work out the line the banner must have been. */
static int expect_banner(void *ncpus_text)
{
	managed_mib = (page_total() * PAGE_SIZE) >> 20;
	snprintf(expected, sizeof(expected),
	    "biscotti 0.1.0: %s, %zu MiB of memory managed\n",
	    (const char *)ncpus_text, managed_mib);
	return 0;
}

/* Boot, then return the console log. */
static const char *boot_log(unsigned ncpus, size_t mib, const char *ncpus_text)
{
	struct hosted_config cfg = {
		.ncpus = ncpus, .mem_bytes = mib << 20, .quiet = true,
	};

	ck_assert_int_eq(hosted_boot(&cfg, expect_banner, (void *)ncpus_text), 0);
	return hosted_console_log();
}

START_TEST(test_banner_four_cpus)
{
	const char *log = boot_log(4, 64, "4 CPUs");
	const char *line = strstr(log, expected);

	ck_assert_ptr_nonnull(line);
	/* A whole line, printed once. */
	ck_assert(line == log || line[-1] == '\n');
	ck_assert_ptr_null(strstr(line + 1, "biscotti 0.1.0:"));
	/* The struct page array costs about 1%: 63 of 64 MiB are managed. */
	ck_assert_uint_ge(managed_mib, 62);
	ck_assert_uint_le(managed_mib, 64);
}
END_TEST

START_TEST(test_banner_one_cpu_singular)
{
	const char *log = boot_log(1, 32, "1 CPU");

	ck_assert_ptr_nonnull(strstr(log, expected));
	ck_assert_ptr_null(strstr(log, "CPUs"));
}
END_TEST

/*
 * A reader blocks in console_read() before any input exists; input then
 * arrives in two bursts, the second larger than the ring.
 */
static char got[2 * CONSOLE_INPUT_SIZE];
static size_t got_len;
static bool reader_started;

static void console_reader(void *unused)
{
	ssize_t n;

	__atomic_store_n(&reader_started, true, __ATOMIC_RELEASE);
	while (got_len < 5 + CONSOLE_INPUT_SIZE) {
		n = console_read(got + got_len, 7);
		if (n <= 0 || n > 7)
			return;
		got_len += (size_t)n;
	}
}

static int console_main(void *unused)
{
	static char burst[CONSOLE_INPUT_SIZE + 100];
	struct thread *t = thread_create("reader", console_reader, NULL);
	size_t i;

	if (t == NULL)
		return 1;
	while (!__atomic_load_n(&reader_started, __ATOMIC_ACQUIRE))
		thread_sleep_ns(1000 * 1000);
	thread_sleep_ns(5 * 1000 * 1000);	/* let it block */
	console_input("hello", 5);
	while (__atomic_load_n(&got_len, __ATOMIC_ACQUIRE) < 5)
		thread_sleep_ns(1000 * 1000);
	/* The ring holds CONSOLE_INPUT_SIZE bytes; the last 100 are dropped. */
	for (i = 0; i < sizeof(burst); i++)
		burst[i] = (char)('a' + i % 26);
	console_input(burst, sizeof(burst));
	thread_join(t);
	return 0;
}

START_TEST(test_console_read_blocks_for_input)
{
	struct hosted_config cfg = { .ncpus = 2, .quiet = true };
	size_t i;

	ck_assert_int_eq(hosted_boot(&cfg, console_main, NULL), 0);
	ck_assert_uint_eq(got_len, 5 + CONSOLE_INPUT_SIZE);
	ck_assert_int_eq(memcmp(got, "hello", 5), 0);
	for (i = 0; i < CONSOLE_INPUT_SIZE; i++)
		ck_assert_int_eq(got[5 + i], 'a' + i % 26);
}
END_TEST

static Suite *banner_suite(void)
{
	Suite *s = suite_create("proc_banner");
	TCase *tc = tcase_create("banner");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_banner_four_cpus);
	tcase_add_test(tc, test_banner_one_cpu_singular);
	tcase_add_test(tc, test_console_read_blocks_for_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(banner_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
