/*
 * The console as a controlling terminal, through the syscalls, as
 * credentials(7) and tty_ioctl(4) describe: SIGTTIN for a background
 * reader (EIO when its group is orphaned or the signal ignored or
 * blocked), SIGTTOU for a background tcsetattr or tcsetpgrp and for a
 * background write under TOSTOP, SIGWINCH on a new window size,
 * TIOCNOTTY by a member and by the leader, acquisition by open(2),
 * inheritance through fork, and the leader's end.
 */
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "test_tty.h"

static int winch_count;

static void
winch_handler(int sig, void *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	__atomic_fetch_add(&winch_count, 1, __ATOMIC_SEQ_CST);
}

/* What a background job does to the tty, chosen by the parent. */
enum bg_op { BG_READ, BG_READ_IGN, BG_READ_BLOCKED, BG_TCSETS,
    BG_TCSETS_BLOCKED, BG_SETFG, BG_WRITE, BG_WRITE_TOSTOP };

/* In its own (background) group: do op; exit with its result + 100. */
static int
bg_job(void *arg)
{
	enum bg_op op = (enum bg_op)(intptr_t)arg;
	uaddr_t u = umem(PG);
	struct termios t;
	long r = 0;

	sys(SYS_setpgid, 0, 0);
	switch (op) {
	case BG_READ_IGN:
		ck_assert_int_eq(set_action(T_SIGTTIN, T_SIG_IGN), 0);
		/* fall through */
	case BG_READ:
		r = sys(SYS_read, 0, u, 100);
		break;
	case BG_READ_BLOCKED:
		block_signal(T_SIGTTIN);
		r = sys(SYS_read, 0, u, 100);
		break;
	case BG_TCSETS_BLOCKED:
		block_signal(T_SIGTTOU);
		/* fall through */
	case BG_TCSETS:
		t = get_tio();
		r = set_tio(&t);
		break;
	case BG_SETFG:
		r = set_fg((int)sys(SYS_getpid));
		break;
	case BG_WRITE_TOSTOP:
	case BG_WRITE:
		poke_str(u, "bg\n");
		r = sys(SYS_write, 1, u, 3);
		break;
	}
	return (int)(r + 100);
}

/*
 * A shell-like middle process in init's group runs one background job
 * (so the job's group is not orphaned) and reports how it went: the
 * job's first wait status, and after SIGCONT (with the job moved to
 * the foreground and "hi\n" typed when it was a stopped read) its end.
 */
struct bg_result {
	int first, last;
};
static struct bg_result result;

static int
shell(void *arg)
{
	long pid = hosted_fork(bg_job, arg);
	int st;

	ck_assert_int_gt(pid, 0);
	sys(SYS_setpgid, pid, pid);
	st = wait_opts(pid, T_WUNTRACED);
	result.first = st;
	if ((st & 0xff) == 0x7f) {
		block_signal(T_SIGTTOU);
		ck_assert_int_eq(set_fg((int)pid), 0);
		if ((st >> 8) == T_SIGTTIN)
			feed("hi\n");
		ck_assert_int_eq(sys(SYS_kill, pid, T_SIGCONT), 0);
		st = wait_status(pid);
		ck_assert_int_eq(set_fg((int)sys(SYS_getpgid, 0)), 0);
	}
	result.last = st;
	return 0;
}

static struct bg_result
run_bg(enum bg_op op)
{
	long pid = hosted_fork(shell, (void *)(intptr_t)op);

	ck_assert_int_eq(wait_status(pid), 0);
	return result;
}

#define EXITED(v)	(((v) & 0xff) << 8)

/* A background reader stops on SIGTTIN; in the foreground it reads. */
static int
ttin(void *arg)
{
	struct bg_result r;

	(void)arg;
	r = run_bg(BG_READ);
	ck_assert_int_eq(r.first, STOPPED_BY(T_SIGTTIN));
	ck_assert_int_eq(r.last, EXITED(100 + 3));
	/* Ignored or blocked: EIO, no stop. */
	r = run_bg(BG_READ_IGN);
	ck_assert_int_eq(r.first, EXITED(100 - EIO));
	r = run_bg(BG_READ_BLOCKED);
	ck_assert_int_eq(r.first, EXITED(100 - EIO));
	return 0;
}

START_TEST(test_ttin)
{
	sys_run_on(2, ttin);
}
END_TEST

/* tcsetattr and tcsetpgrp from the background stop on SIGTTOU. */
static int
ttou(void *arg)
{
	struct bg_result r;
	struct termios t;

	(void)arg;
	r = run_bg(BG_TCSETS);
	ck_assert_int_eq(r.first, STOPPED_BY(T_SIGTTOU));
	ck_assert_int_eq(r.last, EXITED(100));
	r = run_bg(BG_TCSETS_BLOCKED);
	ck_assert_int_eq(r.first, EXITED(100));
	r = run_bg(BG_SETFG);
	ck_assert_int_eq(r.first, STOPPED_BY(T_SIGTTOU));
	ck_assert_int_eq(r.last, EXITED(100));
	/* Writing is free unless TOSTOP. */
	r = run_bg(BG_WRITE);
	ck_assert_int_eq(r.first, EXITED(100 + 3));
	t = get_tio();
	t.c_lflag |= TOSTOP;
	ck_assert_int_eq(set_tio(&t), 0);
	r = run_bg(BG_WRITE_TOSTOP);
	ck_assert_int_eq(r.first, STOPPED_BY(T_SIGTTOU));
	ck_assert_int_eq(r.last, EXITED(100 + 3));
	return 0;
}

START_TEST(test_ttou)
{
	sys_run_on(2, ttou);
}
END_TEST

/* An orphaned background group: EIO, ENOTTY for tcsetpgrp, no stop. */
static int
orphaned(void *arg)
{
	long pid;

	(void)arg;
	/* init's children make orphaned groups (Linux's rule). */
	pid = hosted_fork(bg_job, (void *)(intptr_t)BG_READ);
	ck_assert_int_eq(wait_opts(pid, T_WUNTRACED), EXITED(100 - EIO));
	pid = hosted_fork(bg_job, (void *)(intptr_t)BG_TCSETS);
	ck_assert_int_eq(wait_opts(pid, T_WUNTRACED), EXITED(100 - EIO));
	pid = hosted_fork(bg_job, (void *)(intptr_t)BG_SETFG);
	ck_assert_int_eq(wait_opts(pid, T_WUNTRACED), EXITED(100 - ENOTTY));
	return 0;
}

START_TEST(test_orphaned)
{
	sys_run(orphaned);
}
END_TEST

/* SIGWINCH to the foreground group when the size changes, only then. */
static int
winch(void *arg)
{
	uaddr_t u = umem(PG);
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };

	(void)arg;
	ck_assert_int_eq(set_action(T_SIGWINCH,
	    (uint64_t)(uintptr_t)winch_handler), 0);
	ck_assert_int_eq(copyout(u, &ws, sizeof(ws)), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCSWINSZ, u), 0);
	ck_assert_int_eq(__atomic_load_n(&winch_count, __ATOMIC_SEQ_CST), 1);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCSWINSZ, u), 0);
	ck_assert_int_eq(__atomic_load_n(&winch_count, __ATOMIC_SEQ_CST), 1);
	ws.ws_col = 101;
	ck_assert_int_eq(copyout(u, &ws, sizeof(ws)), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCSWINSZ, u), 0);
	ck_assert_int_eq(__atomic_load_n(&winch_count, __ATOMIC_SEQ_CST), 2);
	return 0;
}

START_TEST(test_winch)
{
	sys_run(winch);
}
END_TEST

/* A member gives the tty up alone; the leader for the whole session. */
static int
notty_member(void *arg)
{
	(void)arg;
	ck_assert_int_gt(get_fg(), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCNOTTY), 0);
	ck_assert_int_eq(get_fg(), -ENOTTY);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCNOTTY), -ENOTTY);
	return 0;
}

static int
notty_leader(void *arg)
{
	long me = sys(SYS_setsid), pid;

	(void)arg;
	ck_assert_int_eq(set_action(T_SIGHUP, T_SIG_IGN), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSCTTY, 1), 0);
	ck_assert_int_eq(get_fg(), me);
	pid = hosted_fork(notty_member, NULL);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(get_fg(), me);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCNOTTY), 0);
	ck_assert_int_eq(get_fg(), -ENOTTY);
	/* Free again: TIOCSCTTY needs no stealing now. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSCTTY, 0), 0);
	ck_assert_int_eq(get_fg(), me);
	return 0;
}

static int
notty(void *arg)
{
	long pid;

	(void)arg;
	pid = hosted_fork(notty_leader, NULL);
	ck_assert_int_eq(wait_status(pid), 0);
	/* The leader's end freed the tty; init's session lost it before. */
	ck_assert_int_eq(get_fg(), -ENOTTY);
	return 0;
}

START_TEST(test_notty)
{
	sys_run(notty);
}
END_TEST

/*
 * A session leader that exits holding the tty hangs it up: its
 * foreground group gets SIGHUP (here the default action ends the child)
 * and the session loses the terminal, as Linux's disassociate_ctty.
 */
/* In the leader's (foreground) group: wait up to 5 s for the SIGHUP. */
static int
hup_child(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 500; i++)
		sleep_ms(10);
	return 1;
}

static int
hup_leader(void *arg)
{
	int report = (int)(intptr_t)arg;
	uaddr_t u = umem(PG);
	long me = sys(SYS_setsid), pid;

	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSCTTY, 1), 0);
	ck_assert_int_eq(get_fg(), me);
	/* init's SIG_IGN came through fork: the child takes the default. */
	ck_assert_int_eq(set_action(T_SIGHUP, 0), 0);
	pid = hosted_fork(hup_child, NULL);
	ck_assert_int_gt(pid, 0);
	poke32(u, (uint32_t)pid);
	ck_assert_int_eq(sys(SYS_write, report, u, 4), 4);
	return 0;
}

static int
leader_exit(void *arg)
{
	uaddr_t u = umem(PG);
	int rd, wr;
	long pid, child;

	(void)arg;
	/* The leader steals init's terminal; init ignores that SIGHUP. */
	ck_assert_int_eq(set_action(T_SIGHUP, T_SIG_IGN), 0);
	mkpipe(&rd, &wr);
	pid = hosted_fork(hup_leader, (void *)(intptr_t)wr);
	ck_assert_int_eq(sys(SYS_read, rd, u, 4), 4);
	child = peek32(u);
	ck_assert_int_eq(wait_status(pid), 0);
	/* The orphan went to init (us): killed by SIGHUP. */
	ck_assert_int_eq(wait_opts(child, 0), T_SIGHUP);
	ck_assert_int_eq(get_fg(), -ENOTTY);
	return 0;
}

START_TEST(test_leader_exit)
{
	sys_run(leader_exit);
}
END_TEST

/*
 * Opening the tty for reading makes it a session leader's controlling
 * terminal when neither has one; processes already in the session do
 * not get it, children forked afterwards do, and setsid leaves it
 * behind.
 */
static int
open_member(void *arg)
{
	int rd = (int)(intptr_t)arg;

	/* Wait for the leader's open, then look. */
	sys(SYS_read, rd, umem(PG), 1);
	return get_fg() == -ENOTTY ? 0 : 1;
}

static int
open_child(void *arg)
{
	uaddr_t u = umem(PG);

	(void)arg;
	ck_assert_int_gt(get_fg(), 0);
	ck_assert_int_eq(tty_dev_tty_check(), 0);
	poke_str(u, "/dev/tty");
	ck_assert_int_ge(sys(SYS_openat, AT_FDCWD, u, O_RDWR, 0), 0);
	ck_assert_int_eq(sys(SYS_setsid), sys(SYS_getpid));
	ck_assert_int_eq(get_fg(), -ENOTTY);
	ck_assert_int_eq(tty_dev_tty_check(), -ENXIO);
	/* Regression: /dev/tty opened for anyone; Linux says ENXIO. */
	poke_str(u, "/dev/tty");
	ck_assert_int_eq(sys(SYS_openat, AT_FDCWD, u, O_RDWR, 0), -ENXIO);
	return 0;
}

static int
open_leader(void *arg)
{
	uaddr_t u = umem(PG);
	long me = sys(SYS_setsid), early, late;
	int rd, wr, fd;

	(void)arg;
	mkpipe(&rd, &wr);
	early = hosted_fork(open_member, (void *)(intptr_t)rd);
	poke_str(u, "/dev/console");
	/* Not by a write-only open. */
	fd = (int)sys(SYS_openat, AT_FDCWD, u, O_WRONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_ioctl, fd, TIOCGSID, u + 64), -ENOTTY);
	/*
	 * Regression: open stripped O_NOCTTY before devfs saw it, so such
	 * an open took the terminal.  And no /dev/tty without one.
	 */
	fd = (int)sys(SYS_openat, AT_FDCWD, u, O_RDWR | O_NOCTTY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_ioctl, fd, TIOCGSID, u + 64), -ENOTTY);
	ck_assert_int_eq(sys(SYS_fcntl, fd, 3 /* F_GETFL */, 0) & O_NOCTTY,
	    0);
	poke_str(u + 128, "/dev/tty");
	ck_assert_int_eq(sys(SYS_openat, AT_FDCWD, u + 128, O_RDWR, 0),
	    -ENXIO);
	fd = (int)sys(SYS_openat, AT_FDCWD, u, O_RDWR, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_ioctl, fd, TIOCGSID, u + 64), 0);
	ck_assert_int_eq(peek32(u + 64), me);
	ck_assert_int_eq(sys(SYS_write, wr, u, 1), 1);
	ck_assert_int_eq(wait_status(early), 0);
	late = hosted_fork(open_child, NULL);
	ck_assert_int_eq(wait_status(late), 0);
	ck_assert_int_eq(get_fg(), me);
	return 0;
}

static int
open_ctty(void *arg)
{
	long pid;

	(void)arg;
	ck_assert_int_eq(devfs_mount_dev(), 0);
	/* init gives its terminal up (ignoring the SIGHUP that brings). */
	ck_assert_int_eq(set_action(T_SIGHUP, T_SIG_IGN), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCNOTTY), 0);
	pid = hosted_fork(open_leader, NULL);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_open_ctty)
{
	sys_run(open_ctty);
}
END_TEST

static Suite *
tty_job_suite(void)
{
	Suite *s = suite_create("tty_job");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ttin);
	tcase_add_test(tc, test_ttou);
	tcase_add_test(tc, test_orphaned);
	tcase_add_test(tc, test_winch);
	tcase_add_test(tc, test_notty);
	tcase_add_test(tc, test_open_ctty);
	tcase_add_test(tc, test_leader_exit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tty_job_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
