/*
 * Unit tests for printk and panic (core/lib/printk.c) on the hosted
 * platform's console, without booting: an unbound host thread is vCPU 0,
 * console_write() appends to hosted_console_log() and echoes to stderr,
 * and cpu_halt_all() aborts the process.  The formatting itself is
 * covered by test_lib_printk.c.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hosted.h"
#include "kern/printk.h"

/* Send the console's stderr echo to /dev/null: the log is what we check. */
static void
silence_stderr(void)
{
	int fd = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* What the console log gained since a length taken earlier. */
static const char *
log_since(size_t mark)
{
	const char *log = hosted_console_log();

	ck_assert_uint_ge(strlen(log), mark);
	return log + mark;
}

START_TEST(test_printk_writes_message)
{
	size_t mark;

	silence_stderr();
	mark = strlen(hosted_console_log());
	ck_assert_int_eq(printk("hello %s %d\n", "world", -5), 15);
	ck_assert_str_eq(log_since(mark), "hello world -5\n");
	ck_assert_int_eq(printk("%s", ""), 0);
	ck_assert_int_eq(printk("a%cb", 'x'), 3);
	ck_assert_str_eq(log_since(mark), "hello world -5\naxb");
}
END_TEST

START_TEST(test_printk_truncates_long_lines)
{
	char big[2000];
	const char *out;
	size_t mark;
	int n;

	silence_stderr();
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* A cut line that should have ended in a newline keeps it. */
	mark = strlen(hosted_console_log());
	n = printk("%s\n", big);
	out = log_since(mark);
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_int_lt(n, 1000);
	ck_assert_int_gt(n, 100);
	ck_assert_str_eq(out + n - 4, "...\n");
	ck_assert_int_eq(out[n - 5], 'z');
	/* Without a newline in the format none is added. */
	mark += (size_t)n;
	n = printk("%s", big);
	out = log_since(mark);
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_str_eq(out + n - 3, "...");
}
END_TEST

/* vprintk through a variadic wrapper, as other subsystems will use it. */
static int
log_wrapper(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(test_vprintk)
{
	size_t mark;

	silence_stderr();
	mark = strlen(hosted_console_log());
	ck_assert_int_eq(log_wrapper("[%03u|%-4s]\n", 7u, "ab"), 11);
	ck_assert_str_eq(log_since(mark), "[007|ab  ]\n");
}
END_TEST

/*
 * Run fn in a child whose stderr (the console echo) goes to a file; return
 * what it printed and require that it died of SIGABRT (cpu_halt_all).
 */
static char *
run_dying_child(void (*fn)(void))
{
	static char out[1024];
	FILE *f = tmpfile();
	pid_t pid;
	int status;
	size_t n;

	ck_assert_ptr_nonnull(f);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fileno(f), STDERR_FILENO);
		fn();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGABRT);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
do_panic(void)
{
	panic("disk %s lost %d blocks", "sda", 3);
}

START_TEST(test_panic_message_and_halt)
{
	ck_assert_str_eq(run_dying_child(do_panic),
	    "panic: disk sda lost 3 blocks\ncpu 0: halting\n");
}
END_TEST

static void
do_kassert(void)
{
	int x = 1;

	KASSERT(x == 1);
	KASSERT(x == 2);
}

START_TEST(test_kassert)
{
	char *out = run_dying_child(do_kassert);

	ck_assert_ptr_nonnull(strstr(out, "panic: assertion \"x == 2\" failed at "));
	ck_assert_ptr_nonnull(strstr(out, "test_lib_printk_console.c:"));
	ck_assert_ptr_nonnull(strstr(out, "\ncpu 0: halting\n"));
}
END_TEST

static void
do_long_panic(void)
{
	static char big[3000];

	memset(big, 'q', sizeof(big) - 1);
	panic("%s", big);
}

START_TEST(test_panic_long_message_keeps_cpu_line)
{
	char *out = run_dying_child(do_long_panic);
	size_t len = strlen(out);

	ck_assert_uint_lt(len, 600);
	ck_assert_int_eq(strncmp(out, "panic: qqq", 10), 0);
	ck_assert_str_eq(out + len - 16, "\ncpu 0: halting\n");
}
END_TEST

static Suite *
printk_suite(void)
{
	Suite *s = suite_create("printk");
	TCase *tc = tcase_create("console");

	tcase_add_test(tc, test_printk_writes_message);
	tcase_add_test(tc, test_printk_truncates_long_lines);
	tcase_add_test(tc, test_vprintk);
	tcase_add_test(tc, test_panic_message_and_halt);
	tcase_add_test(tc, test_kassert);
	tcase_add_test(tc, test_panic_long_message_keeps_cpu_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(printk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
