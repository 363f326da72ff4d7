/*
 * getrandom(2) (flags, lengths, faults, output that is not constant) and
 * the sync family (sync, syncfs, fsync, fdatasync: what they accept and
 * the EBADF/EINVAL they give).
 */
#include "fs/vfs.h"
#include "test_sys.h"

#define GRND_NONBLOCK	0x0001
#define GRND_RANDOM	0x0002
#define GRND_INSECURE	0x0004

/* Bytes that are not all one value: a generator that works at all. */
static bool
varied(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (b[i] != b[0])
			return true;
	return false;
}

static int
getrandom_body(void *arg)
{
	uaddr_t u = umem(2 * PG);
	unsigned char a[1000], b[1000];

	(void)arg;
	ck_assert_int_eq(sys(SYS_getrandom, u, 1000, 0), 1000);
	ck_assert_int_eq(copyin(a, u, sizeof(a)), 0);
	ck_assert(varied(a, sizeof(a)));
	ck_assert_int_eq(sys(SYS_getrandom, u, 1000, GRND_NONBLOCK), 1000);
	ck_assert_int_eq(copyin(b, u, sizeof(b)), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert_int_eq(sys(SYS_getrandom, u, 16, GRND_RANDOM), 16);
	ck_assert_int_eq(sys(SYS_getrandom, u, 16,
	    GRND_RANDOM | GRND_NONBLOCK), 16);
	ck_assert_int_eq(sys(SYS_getrandom, u, 16, GRND_INSECURE), 16);
	/* Unknown flags, and RANDOM with INSECURE, are EINVAL. */
	ck_assert_int_eq(sys(SYS_getrandom, u, 16, 8), -EINVAL);
	ck_assert_int_eq(sys(SYS_getrandom, u, 16,
	    GRND_RANDOM | GRND_INSECURE), -EINVAL);
	/* Nothing asked, nothing done, even at a bad address. */
	ck_assert_int_eq(sys(SYS_getrandom, BAD, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_getrandom, BAD, 16, 0), -EFAULT);
	/* Running off the mapping: the bytes before the end. */
	ck_assert_int_eq(sys(SYS_getrandom, u + 2 * PG - 512, 4096, 0), 512);
	/* A large request is served whole. */
	{
		uaddr_t big = umem(64 * PG);

		ck_assert_int_eq(sys(SYS_getrandom, big, 64 * PG, 0),
		    (long)(64 * PG));
	}
	return 0;
}

START_TEST(test_getrandom)
{
	sys_run(getrandom_body);
}
END_TEST

/* The same generator from two vCPUs at once: no two outputs agree. */
static int
getrandom_child(void *arg)
{
	uaddr_t u = (uaddr_t)(uintptr_t)arg;
	int i;

	for (i = 0; i < 200; i++)
		if (sys(SYS_getrandom, u + PG, 256, 0) != 256)
			return 1;
	return 0;
}

static int
getrandom_smp_body(void *arg)
{
	uaddr_t u = ushared(2 * PG);
	unsigned char a[256], b[256];
	long pid;
	int i;

	(void)arg;
	pid = hosted_fork(getrandom_child, (void *)(uintptr_t)u);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(sys(SYS_getrandom, u, 256, 0), 256);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(copyin(a, u, sizeof(a)), 0);
	ck_assert_int_eq(copyin(b, u + PG, sizeof(b)), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	return 0;
}

START_TEST(test_getrandom_smp)
{
	sys_run_on(2, getrandom_smp_body);
}
END_TEST

static int
sync_body(void *arg)
{
	uaddr_t u = umem(PG);
	int rd, wr, fd;

	(void)arg;
	ck_assert_int_eq(sys(SYS_sync), 0);
	ck_assert_int_eq(sys(SYS_pipe2, u, 0), 0);
	rd = peek32(u);
	wr = peek32(u + 4);
	/* Pipes have no file system to flush to: EINVAL, as Linux. */
	ck_assert_int_eq(sys(SYS_fsync, rd), -EINVAL);
	ck_assert_int_eq(sys(SYS_fdatasync, wr), -EINVAL);
	ck_assert_int_eq(sys(SYS_syncfs, rd), 0);
	poke_str(u, "/synced");
	fd = (int)sys(SYS_open, u, O_CREAT | O_RDWR, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_write, fd, u, 3), 3);
	ck_assert_int_eq(sys(SYS_fsync, fd), 0);
	ck_assert_int_eq(sys(SYS_fdatasync, fd), 0);
	ck_assert_int_eq(sys(SYS_syncfs, fd), 0);
	poke_str(u, "/");
	fd = (int)sys(SYS_open, u, O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_fsync, fd), 0);
	/* Closed or never-opened fds. */
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_fsync, fd), -EBADF);
	ck_assert_int_eq(sys(SYS_fdatasync, -1), -EBADF);
	ck_assert_int_eq(sys(SYS_syncfs, 999), -EBADF);
	return 0;
}

START_TEST(test_sync)
{
	sys_run(sync_body);
}
END_TEST

static Suite *
sys_random_suite(void)
{
	Suite *s = suite_create("sys_random");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_getrandom);
	tcase_add_test(tc, test_getrandom_smp);
	tcase_add_test(tc, test_sync);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_random_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
