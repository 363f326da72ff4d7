/*
 * reboot(2): EPERM for anyone but root, before the magic numbers are
 * looked at; EINVAL for wrong magic or an unknown command; CAD_ON and
 * CAD_OFF accepted; POWER_OFF ends the machine with status 0 (init's
 * own return value never arrives), and so does RESTART here, where the
 * hosted bake has nothing to restart.
 */
#include "test_sys.h"

#define MAGIC1		0xfee1deadu
#define MAGIC2		672274793u
#define MAGIC2C		537993216u
#define CMD_RESTART	0x01234567u
#define CMD_CAD_ON	0x89abcdefu
#define CMD_CAD_OFF	0u
#define CMD_POWER_OFF	0x4321fedcu
#define CMD_SW_SUSPEND	0xd000fce2u

static int
errors_body(void *arg)
{
	(void)arg;
	ck_assert_int_eq(sys(SYS_reboot, 0, MAGIC2, CMD_CAD_ON, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_reboot, MAGIC1, 1, CMD_CAD_ON, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_reboot, MAGIC1, MAGIC2, 0x1234, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_reboot, MAGIC1, MAGIC2, CMD_CAD_ON, 0), 0);
	ck_assert_int_eq(sys(SYS_reboot, MAGIC1, MAGIC2C, CMD_CAD_OFF, 0), 0);
	ck_assert_int_eq(sys(SYS_reboot, MAGIC1, MAGIC2, CMD_SW_SUSPEND, 0),
	    -ENOSYS);
	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	/* Not root: EPERM even with bad magic. */
	ck_assert_int_eq(sys(SYS_reboot, 0, 0, 0, 0), -EPERM);
	ck_assert_int_eq(sys(SYS_reboot, MAGIC1, MAGIC2, CMD_POWER_OFF, 0),
	    -EPERM);
	return 0;
}

START_TEST(test_reboot_errors)
{
	sys_run(errors_body);
}
END_TEST

static int
poweroff_body(void *arg)
{
	sys(SYS_reboot, MAGIC1, MAGIC2, (unsigned long)arg == 0 ?
	    CMD_POWER_OFF : CMD_RESTART, 0);
	return 7;	/* never: the machine is off */
}

static int
restart_body(void *arg)
{
	(void)arg;
	return poweroff_body((void *)1);
}

START_TEST(test_reboot_poweroff)
{
	ck_assert_int_eq(sys_run_cmdline(1, NULL, poweroff_body), 0);
}
END_TEST

START_TEST(test_reboot_restart)
{
	ck_assert_int_eq(sys_run_cmdline(1, NULL, restart_body), 0);
}
END_TEST

static Suite *
sys_reboot_suite(void)
{
	Suite *s = suite_create("sys_reboot");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reboot_errors);
	tcase_add_test(tc, test_reboot_poweroff);
	tcase_add_test(tc, test_reboot_restart);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_reboot_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
