/*
 * The console tty's line discipline, fed byte by byte (tty_receive):
 * the signal characters and their flush and echo, processing at
 * receive time with no reader, VMIN/VTIME's four cases, the input
 * limit, the echo flags, CR/NL mapping, VLNEXT, VEOL, VWERASE,
 * VREPRINT, tab and UTF-8 rubouts, a canonical/raw switch with input
 * pending, output processing, and the flush and drain requests.
 */
#include "test_tty.h"

/* A child that sits in a pipe read until a signal ends it. */
static int
pipe_sitter(void *arg)
{
	int rd = (int)(intptr_t)arg;

	sys(SYS_setpgid, 0, 0);
	sys(SYS_read, rd, umem(PG), 1);
	return 99;
}

/* Start a pipe sitter in its own group and make it the foreground. */
static long
fg_child(void)
{
	int rd, wr;
	long pid;

	mkpipe(&rd, &wr);
	pid = hosted_fork(pipe_sitter, (void *)(intptr_t)rd);
	ck_assert_int_gt(pid, 0);
	/* Its own group, whoever gets there first (setpgid either side). */
	sys(SYS_setpgid, pid, pid);
	ck_assert_int_eq(set_fg((int)pid), 0);
	sleep_ms(20);
	return pid;
}

/* init takes the foreground back (SIGTTOU blocked, as a shell does). */
static void
fg_back(void)
{
	ck_assert_int_eq(set_fg((int)sys(SYS_getpgid, 0)), 0);
}

/* ^C, ^\ and ^Z signal the foreground group, flush and echo. */
static int
signals(void *arg)
{
	uaddr_t u = umem(PG);
	size_t mark;
	long pid;

	(void)arg;
	block_signal(T_SIGTTOU);
	pid = fg_child();
	mark = log_mark();
	feed("abc\003");
	ck_assert_int_eq(wait_status(pid) & 0x7f, T_SIGINT);
	echoed(mark, "abc^C");
	fg_back();
	/* The flush took the partial line. */
	feed("x\n");
	read_is(0, u, 100, "x\n");

	pid = fg_child();
	feed("\034");
	ck_assert_int_eq(wait_status(pid), T_SIGQUIT | 0x80);

	pid = fg_child();
	feed("\032");
	ck_assert_int_eq(wait_opts(pid, T_WUNTRACED), STOPPED_BY(T_SIGTSTP));
	ck_assert_int_eq(sys(SYS_kill, pid, T_SIGKILL), 0);
	ck_assert_int_eq(wait_status(pid), T_SIGKILL);
	fg_back();

	/* NOFLSH keeps the line; without ISIG ^C is data. */
	struct termios t = get_tio(), saved = t;
	t.c_lflag |= NOFLSH;
	ck_assert_int_eq(set_tio(&t), 0);
	pid = fg_child();
	feed("ke\003");
	ck_assert_int_eq(wait_status(pid) & 0x7f, T_SIGINT);
	fg_back();
	feed("pt\n");
	read_is(0, u, 100, "kept\n");
	t.c_lflag &= ~ISIG;
	ck_assert_int_eq(set_tio(&t), 0);
	feed("a\003\032\n");
	read_is(0, u, 100, "a\003\032\n");
	ck_assert_int_eq(set_tio(&saved), 0);
	return 0;
}

START_TEST(test_signals)
{
	sys_run_on(2, signals);
}
END_TEST

/*
 * Input is processed when it arrives: a ^C typed through the console
 * (the receive thread's path) ends a foreground process that never
 * reads the terminal.
 */
static int
no_reader(void *arg)
{
	long pid;

	(void)arg;
	block_signal(T_SIGTTOU);
	pid = fg_child();
	console_input("\003", 1);
	ck_assert_int_eq(wait_status(pid) & 0x7f, T_SIGINT);
	fg_back();
	return 0;
}

START_TEST(test_no_reader)
{
	sys_run_on(2, no_reader);
}
END_TEST

static uint64_t
ms_since(uint64_t start)
{
	return (clock_ns() - start) / 1000000;
}

/* A child that types s after ms milliseconds. */
struct typist {
	long ms;
	const char *s;
};

static int
typist_main(void *arg)
{
	struct typist *ty = arg;

	sleep_ms(ty->ms);
	feed(ty->s);
	return 0;
}

static long
type_later(struct typist *ty)
{
	long pid = hosted_fork(typist_main, ty);

	ck_assert_int_gt(pid, 0);
	return pid;
}

/* termios(3)'s four cases of VMIN and VTIME. */
static int
vmin_vtime(void *arg)
{
	uaddr_t u = umem(PG);
	static struct typist later = { 100, "z" }, late3 = { 100, "c" };
	uint64_t t0;
	long pid;

	(void)arg;
	/* MIN 0, TIME 0: a poll. */
	set_raw(0, 0);
	read_is(0, u, 100, "");
	feed("ab");
	read_is(0, u, 100, "ab");

	/* MIN 0, TIME 5: 0.5 s for a first byte, then 0. */
	set_raw(0, 5);
	t0 = clock_ns();
	read_is(0, u, 100, "");
	ck_assert_uint_ge(ms_since(t0), 490);
	pid = type_later(&later);
	read_is(0, u, 100, "z");
	ck_assert_int_eq(wait_status(pid), 0);

	/* MIN 3, TIME 0: three bytes, however long they take. */
	set_raw(3, 0);
	feed("ab");
	pid = type_later(&late3);
	read_is(0, u, 100, "abc");
	ck_assert_int_eq(wait_status(pid), 0);
	/* ... or fewer when fewer are asked for. */
	feed("xy");
	read_is(0, u, 2, "xy");

	/* MIN 3, TIME 2: a first byte, then 0.2 s between bytes. */
	set_raw(3, 2);
	feed("q");
	t0 = clock_ns();
	read_is(0, u, 100, "q");
	ck_assert_uint_ge(ms_since(t0), 190);
	pid = type_later(&later);
	t0 = clock_ns();
	read_is(0, u, 100, "z");	/* waited 0.1 s, then 0.2 s more */
	ck_assert_uint_ge(ms_since(t0), 290);
	ck_assert_int_eq(wait_status(pid), 0);
	feed("abcd");
	read_is(0, u, 100, "abcd");

	/* Non-blocking: what there is, else EAGAIN. */
	set_raw(3, 0);
	ck_assert_int_eq(sys(SYS_fcntl, 0, T_F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(sys(SYS_read, 0, u, 100), -EAGAIN);
	feed("k");
	read_is(0, u, 100, "k");
	return 0;
}

START_TEST(test_vmin_vtime)
{
	sys_run_on(2, vmin_vtime);
}
END_TEST

/* At most 4095 bytes wait; a full raw queue stops taking input. */
static int
limit(void *arg)
{
	static char big[5000];
	uaddr_t u = umem(2 * PG);
	size_t n;

	(void)arg;
	memset(big, 'a', sizeof(big));
	set_raw(1, 0);
	n = tty_receive(big, sizeof(big));
	ck_assert_uint_eq(n, TTY_INPUT_MAX);
	ck_assert_int_eq(sys(SYS_ioctl, 0, FIONREAD, u), 0);
	ck_assert_int_eq(peek32(u), TTY_INPUT_MAX);
	ck_assert_int_eq(sys(SYS_read, 0, u, 1000), 1000);
	ck_assert_uint_eq(tty_receive(big, sizeof(big)), 1000);
	ck_assert_int_eq(sys(SYS_read, 0, u, 2 * PG), TTY_INPUT_MAX);

	/* A canonical line stops growing but still takes its newline. */
	set_raw(1, 0);
	struct termios t = get_tio();
	t.c_lflag |= ICANON;
	ck_assert_int_eq(set_tio(&t), 0);
	ck_assert_uint_eq(tty_receive(big, sizeof(big)), sizeof(big));
	ck_assert_int_eq(sys(SYS_ioctl, 0, FIONREAD, u), 0);
	ck_assert_int_eq(peek32(u), 0);
	feed("\n");
	ck_assert_int_eq(sys(SYS_read, 0, u, 2 * PG), TTY_INPUT_MAX);
	ck_assert_int_eq(copyin(big, u + TTY_INPUT_MAX - 2, 2), 0);
	ck_assert_int_eq(big[0], 'a');
	ck_assert_int_eq(big[1], '\n');
	return 0;
}

START_TEST(test_limit)
{
	sys_run(limit);
}
END_TEST

/* ECHO off, ECHONL, ECHOK without ECHOKE, ECHOE off, ECHOCTL off. */
static int
echo_flags(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios t = get_tio(), saved = t;
	size_t mark;

	(void)arg;
	t.c_lflag &= ~ECHO;
	t.c_lflag |= ECHONL;
	ck_assert_int_eq(set_tio(&t), 0);
	mark = log_mark();
	feed("secret\n");
	read_is(0, u, 100, "secret\n");
	not_echoed(mark, "secret");
	echoed(mark, "\r\n");

	t = saved;
	t.c_lflag &= ~(ECHOKE | ECHOE);
	ck_assert_int_eq(set_tio(&t), 0);
	mark = log_mark();
	feed("abc\025de\177f\n");
	read_is(0, u, 100, "df\n");
	echoed(mark, "abc^U\r\nde^?f\r\n");

	t = saved;
	t.c_lflag &= ~ECHOCTL;
	ck_assert_int_eq(set_tio(&t), 0);
	mark = log_mark();
	feed("\001\n");
	read_is(0, u, 100, "\001\n");
	echoed(mark, "\001\r\n");
	not_echoed(mark, "^A");

	/* Raw mode with ECHO echoes each byte, control ones as ^X. */
	t = saved;
	t.c_lflag &= ~ICANON;
	ck_assert_int_eq(set_tio(&t), 0);
	mark = log_mark();
	feed("r\002\n");
	read_is(0, u, 100, "r\002\n");
	echoed(mark, "r^B\r\n");
	ck_assert_int_eq(set_tio(&saved), 0);
	return 0;
}

START_TEST(test_echo_flags)
{
	sys_run(echo_flags);
}
END_TEST

/* ICRNL (default), IGNCR, INLCR; OCRNL and ONLCR on output. */
static int
cr_nl(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios t = get_tio(), saved = t;
	size_t mark;

	(void)arg;
	t.c_iflag |= IGNCR;
	ck_assert_int_eq(set_tio(&t), 0);
	feed("a\rb\n");
	read_is(0, u, 100, "ab\n");
	t = saved;
	t.c_iflag |= INLCR;
	t.c_iflag &= ~ICRNL;
	t.c_cc[VEOL] = '\r';
	ck_assert_int_eq(set_tio(&t), 0);
	/* NL becomes CR, which VEOL makes a line end here. */
	feed("cd\n");
	read_is(0, u, 100, "cd\r");
	t = saved;
	t.c_oflag |= OCRNL;
	ck_assert_int_eq(set_tio(&t), 0);
	mark = log_mark();
	poke_str(u, "x\ry");
	ck_assert_int_eq(sys(SYS_write, 1, u, 3), 3);
	echoed(mark, "x\ny");
	ck_assert_int_eq(set_tio(&saved), 0);
	return 0;
}

START_TEST(test_cr_nl)
{
	sys_run(cr_nl);
}
END_TEST

/* VLNEXT, VEOL, VWERASE's word, VREPRINT, VSTART/VSTOP under IXON. */
static int
specials(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios t = get_tio(), saved = t;
	size_t mark;

	(void)arg;
	mark = log_mark();
	feed("a\026\003\026\025b\n");
	read_is(0, u, 100, "a\003\025b\n");
	echoed(mark, "a^\b^C^\b^Ub");
	feed("foo bar,  \027x\n");
	read_is(0, u, 100, "foo x\n");
	mark = log_mark();
	feed("ab\022c\n");
	read_is(0, u, 100, "abc\n");
	echoed(mark, "ab^R\r\nabc");
	feed("s\021\023t\n");
	read_is(0, u, 100, "st\n");
	t.c_cc[VEOL] = '#';
	ck_assert_int_eq(set_tio(&t), 0);
	feed("ab#cd\n");
	read_is(0, u, 100, "ab#");
	read_is(0, u, 100, "cd\n");
	/* A disabled special character is an ordinary one. */
	t.c_cc[VERASE] = 0;
	ck_assert_int_eq(set_tio(&t), 0);
	feed("x\177\n");
	read_is(0, u, 100, "x\177\n");
	ck_assert_int_eq(set_tio(&saved), 0);
	return 0;
}

START_TEST(test_specials)
{
	sys_run(specials);
}
END_TEST

/* Erasing a tab goes back to where it began; IUTF8 erases characters. */
static int
rubouts(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios t = get_tio(), saved = t;
	size_t mark;

	(void)arg;
	poke_str(u, "\n");
	ck_assert_int_eq(sys(SYS_write, 1, u, 1), 1);	/* column 0 */
	mark = log_mark();
	feed("ab\t\177c\n");
	read_is(0, u, 100, "abc\n");
	echoed(mark, "ab\t\b\b\b\b\b\bc");
	/* Without IUTF8 a byte at a time, with it a character. */
	feed("a\xc3\xa9\177\n");
	read_is(0, u, 100, "a\xc3\n");
	t.c_iflag |= IUTF8;
	ck_assert_int_eq(set_tio(&t), 0);
	mark = log_mark();
	feed("a\xc3\xa9\177\n");
	read_is(0, u, 100, "a\n");
	echoed(mark, "a\xc3\xa9\b \b\r\n");
	ck_assert_int_eq(set_tio(&saved), 0);
	return 0;
}

START_TEST(test_rubouts)
{
	sys_run(rubouts);
}
END_TEST

/*
 * Raw input left unread becomes a line when canonical mode comes back
 * (so text typed ahead of a shell's line editor is kept), and a partial
 * line is readable once canonical mode goes.
 */
static int
mode_switch(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios saved = get_tio();

	(void)arg;
	set_raw(1, 0);
	feed("abc");
	ck_assert_int_eq(set_tio(&saved), 0);
	read_is(0, u, 100, "abc");
	feed("part");
	set_raw(1, 0);
	read_is(0, u, 100, "part");
	ck_assert_int_eq(set_tio(&saved), 0);
	return 0;
}

START_TEST(test_mode_switch)
{
	sys_run(mode_switch);
}
END_TEST

/* TCFLSH, TCXONC, TCSBRK(P), TIOCOUTQ, TIOCINQ. */
static int
control(void *arg)
{
	uaddr_t u = umem(PG);

	(void)arg;
	feed("gone\n");
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCINQ, u), 0);
	ck_assert_int_eq(peek32(u), 5);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCFLSH, TCOFLUSH), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCINQ, u), 0);
	ck_assert_int_eq(peek32(u), 5);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCFLSH, TCIFLUSH), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCINQ, u), 0);
	ck_assert_int_eq(peek32(u), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCFLSH, 3), -EINVAL);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCXONC, TCOOFF), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCXONC, TCOON), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCXONC, TCION), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCXONC, 4), -EINVAL);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TCSBRK, 1), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TCSBRKP, 0), 0);
	poke32(u, -1);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCOUTQ, u), 0);
	ck_assert_int_eq(peek32(u), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCOUTQ, BAD), -EFAULT);
	feed("kept\n");
	read_is(0, u, 100, "kept\n");
	return 0;
}

START_TEST(test_control)
{
	sys_run(control);
}
END_TEST

/* Write "w" to fd 1: its result. */
static long
write_w(void)
{
	uaddr_t u = umem(PG);

	poke_str(u, "w");
	return sys(SYS_write, 1, u, 1);
}

/*
 * ^S holds writes back until ^Q (a non-blocking write: EAGAIN; a
 * blocking one waits for the ^Q a child types), as TCOOFF/TCOON do;
 * with IXON off neither character is special.
 */
static int
flow(void *arg)
{
	struct typist later = { 50, "\021" };
	uint64_t t0;
	long pid;

	(void)arg;
	ck_assert_int_eq(write_w(), 1);
	feed("\023");
	ck_assert_int_eq(sys(SYS_fcntl, 1, T_F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(write_w(), -EAGAIN);
	feed("\021");
	ck_assert_int_eq(write_w(), 1);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TCXONC, TCOOFF), 0);
	ck_assert_int_eq(write_w(), -EAGAIN);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TCXONC, TCOON), 0);
	ck_assert_int_eq(write_w(), 1);
	ck_assert_int_eq(sys(SYS_fcntl, 1, T_F_SETFL, 0), 0);
	feed("\023");
	pid = type_later(&later);
	t0 = clock_ns();
	ck_assert_int_eq(write_w(), 1);
	ck_assert_uint_ge(ms_since(t0), 40);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_flow)
{
	sys_run_on(2, flow);
}
END_TEST

static Suite *
tty_ldisc_suite(void)
{
	Suite *s = suite_create("tty_ldisc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_no_reader);
	tcase_add_test(tc, test_vmin_vtime);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_echo_flags);
	tcase_add_test(tc, test_cr_nl);
	tcase_add_test(tc, test_specials);
	tcase_add_test(tc, test_rubouts);
	tcase_add_test(tc, test_mode_switch);
	tcase_add_test(tc, test_control);
	tcase_add_test(tc, test_flow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tty_ldisc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
