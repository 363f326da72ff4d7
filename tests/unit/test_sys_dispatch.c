/*
 * The syscall layer itself: unknown numbers, the trace switch, the heap
 * reservation around each call, and the informational calls (uname,
 * sysinfo, limits, ids, affinity) with their EFAULT cases.
 */
#include "mm/page.h"
#include "mm/reserve.h"
#include "test_sys.h"

/* Numbers outside the table are ENOSYS, and nothing else happens. */
static int
enosys(void *arg)
{
	(void)arg;
	ck_assert_int_eq(sys(180 /* nfsservctl: gone from Linux too */, BAD),
	    -ENOSYS);
	ck_assert_int_eq(sys(335), -ENOSYS);
	ck_assert_int_eq(sys(100000), -ENOSYS);
	ck_assert_int_eq(sys(~0UL), -ENOSYS);
	ck_assert_str_eq(syscall_name(SYS_read), "read");
	ck_assert_str_eq(syscall_name(2), "open");
	ck_assert_str_eq(syscall_name(100000), "?");
	return 0;
}

START_TEST(test_enosys)
{
	sys_run(enosys);
}
END_TEST

/* Every call's reservation is returned: the heap's promise is unchanged. */
static int
reservation_released(void *arg)
{
	size_t before;
	uaddr_t buf = umem(PG);

	int i;

	(void)arg;
	/*
	 * The first round warms the heap's slabs, whose pages leave the
	 * free pool for good; the second must leave the figure unchanged.
	 */
	for (i = 0; i < 2; i++) {
		before = reserve_available();
		ck_assert_int_eq(sys(SYS_getpid), 1);
		ck_assert_int_eq(sys(SYS_uname, buf), 0);
		ck_assert_int_eq(sys(SYS_close, 77), -EBADF);
		ck_assert_int_eq(sys(SYS_uname, BAD), -EFAULT);
		ck_assert_int_eq(sys(SYS_pipe, buf), 0);
		ck_assert_int_eq(sys(SYS_close, 3), 0);
		ck_assert_int_eq(sys(SYS_close, 4), 0);
		ck_assert(!reserve_active());
	}
	ck_assert_uint_eq(reserve_available(), before);
	return 0;
}

START_TEST(test_reservation_released)
{
	sys_run(reservation_released);
}
END_TEST

/* trace=syscalls prints strace-style lines with errno names. */
static int
traced(void *arg)
{
	(void)arg;
	sys(SYS_getpid);
	sys(SYS_close, 99);
	sys(SYS_dup2, 1, 5000);
	sys(9999, 1, 2, 3);
	return 3;
}

START_TEST(test_trace)
{
	const char *log;

	ck_assert_int_eq(sys_run_cmdline(1, "quiet trace=syscalls", traced),
	    3);
	log = hosted_console_log();
	ck_assert_ptr_nonnull(strstr(log, "[pid 1] getpid(0, 0, 0) = 1\n"));
	ck_assert_ptr_nonnull(strstr(log,
	    "[pid 1] close(99, 0, 0) = -1 EBADF\n"));
	ck_assert_ptr_nonnull(strstr(log,
	    "[pid 1] dup2(1, 5000, 0) = -1 EBADF\n"));
	ck_assert_ptr_nonnull(strstr(log, "[pid 1] ?(1, 2, 3) = -1 ENOSYS\n"));
	ck_assert_ptr_nonnull(strstr(log,
	    "[pid 1] exit_group(3, 0, 0) = ?\n"));
}
END_TEST

/* Without the option nothing is traced. */
START_TEST(test_no_trace)
{
	ck_assert_int_eq(sys_run_cmdline(1, "trace=other", traced), 3);
	ck_assert_ptr_null(strstr(hosted_console_log(), "getpid("));
}
END_TEST

/* uname: a Linux release glibc accepts, our name in the node name. */
static int
uname_values(void *arg)
{
	uaddr_t u = umem(PG);
	char buf[6 * 65];

	(void)arg;
	ck_assert_int_eq(sys(SYS_uname, u), 0);
	ck_assert_int_eq(copyin(buf, u, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Linux");
	ck_assert_str_eq(buf + 65, "biscotti");
	ck_assert_str_eq(buf + 2 * 65, "6.1.0-biscotti");
	ck_assert_str_eq(buf + 4 * 65, "x86_64");
	ck_assert_int_eq(sys(SYS_uname, BAD), -EFAULT);
	/* A buffer that runs off the end of the mapping. */
	ck_assert_int_eq(sys(SYS_uname, u + PG - 100), -EFAULT);
	return 0;
}

START_TEST(test_uname)
{
	sys_run(uname_values);
}
END_TEST

/* sysinfo: memory as the page allocator sees it, one process. */
static int
sysinfo_values(void *arg)
{
	uaddr_t u = umem(PG);
	uint64_t w[14];
	uint16_t procs;
	uint32_t unit;

	(void)arg;
	ck_assert_int_eq(sys(SYS_sysinfo, u), 0);
	ck_assert_int_eq(copyin(w, u, sizeof(w)), 0);
	ck_assert_uint_eq(w[4], page_total() * PAGE_SIZE);	/* totalram */
	ck_assert_uint_gt(w[5], 0);				/* freeram */
	ck_assert_uint_le(w[5], w[4]);
	ck_assert_int_eq(copyin(&procs, u + 80, 2), 0);
	ck_assert_uint_eq(procs, 1);
	ck_assert_int_eq(copyin(&unit, u + 104, 4), 0);
	ck_assert_uint_eq(unit, 1);
	ck_assert_int_eq(sys(SYS_sysinfo, BAD), -EFAULT);
	return 0;
}

START_TEST(test_sysinfo)
{
	sys_run(sysinfo_values);
}
END_TEST

/* prlimit64, getrlimit, setrlimit: defaults, changes, Linux's errors. */
static int
limits(void *arg)
{
	uaddr_t u = umem(PG);
	uint64_t r[2];

	(void)arg;
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIMIT_STACK, 0, u), 0);
	ck_assert_int_eq(copyin(r, u, sizeof(r)), 0);
	ck_assert_uint_eq(r[0], 8 << 20);
	ck_assert_uint_eq(r[1], RLIM_INFINITY);
	ck_assert_int_eq(sys(SYS_getrlimit, RLIMIT_NOFILE, u), 0);
	ck_assert_int_eq(copyin(r, u, sizeof(r)), 0);
	ck_assert_uint_eq(r[0], 1024);
	ck_assert_uint_eq(r[1], NR_OPEN);
	/* Lower the soft limit: fds at or past it are refused. */
	r[0] = 10;
	ck_assert_int_eq(copyout(u, r, sizeof(r)), 0);
	ck_assert_int_eq(sys(SYS_setrlimit, RLIMIT_NOFILE, u), 0);
	ck_assert_int_eq(sys(SYS_dup2, 1, 10), -EBADF);
	ck_assert_int_eq(sys(SYS_dup2, 1, 9), 9);
	ck_assert_int_eq(sys(SYS_fcntl, 1, 0 /* F_DUPFD */, 10), -EINVAL);
	/* soft > hard, a bad resource, past the fd ceiling, no such pid. */
	r[0] = 100;
	r[1] = 50;
	ck_assert_int_eq(copyout(u, r, sizeof(r)), 0);
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIMIT_CORE, u, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIM_NLIMITS, 0, u), -EINVAL);
	r[0] = r[1] = NR_OPEN + 1;
	ck_assert_int_eq(copyout(u, r, sizeof(r)), 0);
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIMIT_NOFILE, u, 0), -EPERM);
	ck_assert_int_eq(sys(SYS_prlimit64, 4242, RLIMIT_CORE, 0, u), -ESRCH);
	ck_assert_int_eq(sys(SYS_prlimit64, 1, RLIMIT_CORE, 0, u), 0);
	/* EFAULT on either pointer. */
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIMIT_CORE, BAD, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIMIT_CORE, 0, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_getrlimit, RLIMIT_CORE, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_setrlimit, RLIMIT_CORE, BAD), -EFAULT);
	/* getrusage: zeros for now, Linux's EINVAL and EFAULT. */
	ck_assert_int_eq(sys(SYS_getrusage, 0, u), 0);
	ck_assert_int_eq(sys(SYS_getrusage, -1, u), 0);
	ck_assert_int_eq(sys(SYS_getrusage, 5, u), -EINVAL);
	ck_assert_int_eq(sys(SYS_getrusage, 0, BAD), -EFAULT);
	return 0;
}

START_TEST(test_limits)
{
	sys_run(limits);
}
END_TEST

/* Credentials: root by default; setuid drops for good. */
static int
creds(void *arg)
{
	uaddr_t u = umem(PG);
	uint32_t g[2] = { 5, 7 };

	(void)arg;
	ck_assert_int_eq(sys(SYS_getuid), 0);
	ck_assert_int_eq(sys(SYS_geteuid), 0);
	ck_assert_int_eq(sys(SYS_getgid), 0);
	ck_assert_int_eq(sys(SYS_getegid), 0);
	ck_assert_int_eq(sys(SYS_getgroups, 0, 0), 0);
	ck_assert_int_eq(copyout(u, g, sizeof(g)), 0);
	ck_assert_int_eq(sys(SYS_setgroups, 2, u), 0);
	ck_assert_int_eq(sys(SYS_getgroups, 0, 0), 2);
	ck_assert_int_eq(sys(SYS_getgroups, 1, u), -EINVAL);
	ck_assert_int_eq(sys(SYS_getgroups, 2, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_setgroups, 2, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_setgroups, PROC_NGROUPS_MAX + 1, u), -EINVAL);
	ck_assert_int_eq(sys(SYS_setgid, 100), 0);
	ck_assert_int_eq(sys(SYS_getegid), 100);
	ck_assert_int_eq(sys(SYS_setuid, -1), -EINVAL);
	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	ck_assert_int_eq(sys(SYS_getuid), 1000);
	ck_assert_int_eq(sys(SYS_geteuid), 1000);
	ck_assert_int_eq(sys(SYS_setuid, 0), -EPERM);
	ck_assert_int_eq(sys(SYS_setgroups, 0, 0), -EPERM);
	ck_assert_int_eq(sys(SYS_getresuid, u, u + 4, u + 8), 0);
	ck_assert_int_eq(peek32(u + 8), 1000);
	ck_assert_int_eq(sys(SYS_getresgid, u, BAD, u + 8), -EFAULT);
	return 0;
}

START_TEST(test_creds)
{
	sys_run(creds);
}
END_TEST

/* sched_getaffinity: all CPUs; Linux's length rules. */
static int
affinity(void *arg)
{
	uaddr_t u = umem(PG);
	uint64_t mask;

	(void)arg;
	ck_assert_int_eq(sys(SYS_sched_getaffinity, 0, 128, u), 8);
	ck_assert_int_eq(copyin(&mask, u, 8), 0);
	ck_assert_uint_eq(mask, 0x7);
	ck_assert_int_eq(sys(SYS_sched_getaffinity, 0, 4, u), -EINVAL);
	ck_assert_int_eq(sys(SYS_sched_getaffinity, 0, 12, u), -EINVAL);
	ck_assert_int_eq(sys(SYS_sched_getaffinity, 0, 8, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_sched_getaffinity, 999, 8, u), -ESRCH);
	ck_assert_int_eq(sys(SYS_sched_getaffinity, 1, 8, u), 8);
	ck_assert_int_eq(sys(SYS_sched_yield), 0);
	return 0;
}

START_TEST(test_affinity)
{
	sys_run_on(3, affinity);
}
END_TEST

/* arch_prctl through the hosted uctx. */
static int
arch_prctl(void *arg)
{
	uaddr_t u = umem(PG);
	uint64_t v;

	(void)arg;
	ck_assert_int_eq(sys(SYS_arch_prctl, 0x1002, 0x12345000), 0);
	ck_assert_int_eq(sys(SYS_arch_prctl, 0x1003, u), 0);
	ck_assert_int_eq(copyin(&v, u, 8), 0);
	ck_assert_uint_eq(v, 0x12345000);
	ck_assert_int_eq(sys(SYS_arch_prctl, 0x1003, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_arch_prctl, 0x1002, USER_END), -EPERM);
	ck_assert_int_eq(sys(SYS_arch_prctl, 0x9999, u), -EINVAL);
	return 0;
}

START_TEST(test_arch_prctl)
{
	sys_run(arch_prctl);
}
END_TEST

static Suite *
sys_dispatch_suite(void)
{
	Suite *s = suite_create("sys_dispatch");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_enosys);
	tcase_add_test(tc, test_reservation_released);
	tcase_add_test(tc, test_trace);
	tcase_add_test(tc, test_no_trace);
	tcase_add_test(tc, test_uname);
	tcase_add_test(tc, test_sysinfo);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_creds);
	tcase_add_test(tc, test_affinity);
	tcase_add_test(tc, test_arch_prctl);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_dispatch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
