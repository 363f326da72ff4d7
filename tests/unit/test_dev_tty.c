/*
 * The console tty's ioctls through the syscall: termios defaults and
 * round trips, the window size, FIONREAD and TCSETSF's input flush,
 * and ENOTTY / EBADF / EFAULT.
 */
#include "test_tty.h"

/* Linux's console defaults (tty_std_termios). */
static int
defaults(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios t;

	(void)arg;
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u), 0);
	ck_assert_int_eq(copyin(&t, u, sizeof(t)), 0);
	ck_assert_uint_eq(t.c_iflag, 0400u | 02000u);	/* ICRNL|IXON */
	ck_assert_uint_eq(t.c_oflag, 05u);		/* OPOST|ONLCR */
	ck_assert_uint_eq(t.c_cflag, 017u | 060u | 0200u | 02000u);
	ck_assert_uint_eq(t.c_lflag, 0105073u);		/* as stty -g */
	ck_assert_uint_eq(t.c_cc[VINTR], 3);
	ck_assert_uint_eq(t.c_cc[VQUIT], 034);
	ck_assert_uint_eq(t.c_cc[VERASE], 0177);
	ck_assert_uint_eq(t.c_cc[VKILL], 025);
	ck_assert_uint_eq(t.c_cc[VEOF], 4);
	ck_assert_uint_eq(t.c_cc[VSUSP], 032);
	ck_assert_uint_eq(t.c_cc[VWERASE], 027);
	ck_assert_uint_eq(t.c_cc[VMIN], 1);
	ck_assert_uint_eq(t.c_cc[VTIME], 0);
	/* Every one of fds 0-2 is the same terminal. */
	ck_assert_int_eq(sys(SYS_ioctl, 2, TCGETS, u + 64), 0);
	return 0;
}

START_TEST(test_defaults)
{
	sys_run(defaults);
}
END_TEST

/* tcsetattr's three flavours store what TCGETS then returns. */
static int
round_trip(void *arg)
{
	uaddr_t u = umem(PG);
	struct termios t, back;
	unsigned cmds[] = { TCSETS, TCSETSW, TCSETSF };
	unsigned i;

	(void)arg;
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u), 0);
	ck_assert_int_eq(copyin(&t, u, sizeof(t)), 0);
	for (i = 0; i < 3; i++) {
		/* cfmakeraw's changes, plus a VMIN of i + 2. */
		t.c_lflag &= ~(ECHO | ICANON | ISIG | IEXTEN);
		t.c_iflag &= ~(ICRNL | IXON);
		t.c_cc[VMIN] = (uint8_t)(i + 2);
		ck_assert_int_eq(copyout(u, &t, sizeof(t)), 0);
		ck_assert_int_eq(sys(SYS_ioctl, 1, cmds[i], u), 0);
		ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u + 64), 0);
		ck_assert_int_eq(copyin(&back, u + 64, sizeof(back)), 0);
		ck_assert_int_eq(memcmp(&t, &back, sizeof(t)), 0);
	}
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCSETS, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, BAD), -EFAULT);
	/* The failed set changed nothing. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u + 64), 0);
	ck_assert_int_eq(copyin(&back, u + 64, sizeof(back)), 0);
	ck_assert_int_eq(memcmp(&t, &back, sizeof(t)), 0);
	return 0;
}

START_TEST(test_round_trip)
{
	sys_run(round_trip);
}
END_TEST

/* 80x24 until TIOCSWINSZ; FIONREAD counts input; TCSETSF drops it. */
static int
winsize_fionread(void *arg)
{
	uaddr_t u = umem(PG);
	struct winsize ws;
	struct winsize big = { .ws_row = 50, .ws_col = 132 };

	(void)arg;
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCGWINSZ, u), 0);
	ck_assert_int_eq(copyin(&ws, u, sizeof(ws)), 0);
	ck_assert_uint_eq(ws.ws_row, 24);
	ck_assert_uint_eq(ws.ws_col, 80);
	ck_assert_uint_eq(ws.ws_xpixel, 0);
	ck_assert_int_eq(copyout(u, &big, sizeof(big)), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCSWINSZ, u), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGWINSZ, u + 16), 0);
	ck_assert_int_eq(copyin(&ws, u + 16, sizeof(ws)), 0);
	ck_assert_uint_eq(ws.ws_row, 50);
	ck_assert_uint_eq(ws.ws_col, 132);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCGWINSZ, BAD), -EFAULT);

	/* Canonical mode counts the bytes of complete lines only. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, FIONREAD, u), 0);
	ck_assert_int_eq(peek32(u), 0);
	tty_receive("abc", 3);
	ck_assert_int_eq(sys(SYS_ioctl, 0, FIONREAD, u), 0);
	ck_assert_int_eq(peek32(u), 0);
	tty_receive("\n", 1);
	ck_assert_int_eq(sys(SYS_ioctl, 0, FIONREAD, u), 0);
	ck_assert_int_eq(peek32(u), 4);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCSETSF, u), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, FIONREAD, u), 0);
	ck_assert_int_eq(peek32(u), 0);
	/* Input after the flush is read as usual. */
	console_input("z\n", 2);
	ck_assert_int_eq(sys(SYS_read, 0, u, 8), 2);
	return 0;
}

START_TEST(test_winsize_fionread)
{
	sys_run(winsize_fionread);
}
END_TEST

/* Not a terminal, not a file, not a request. */
static int
errors(void *arg)
{
	uaddr_t u = umem(PG);
	int rd, wr;

	(void)arg;
	ck_assert_int_eq(sys(SYS_pipe2, u, 0), 0);
	rd = peek32(u);
	wr = peek32(u + 4);
	ck_assert_int_eq(sys(SYS_ioctl, rd, TCGETS, u + 64), -ENOTTY);
	ck_assert_int_eq(sys(SYS_ioctl, wr, TIOCGWINSZ, u + 64), -ENOTTY);
	ck_assert_int_eq(sys(SYS_ioctl, 50, TCGETS, u + 64), -EBADF);
	ck_assert_int_eq(sys(SYS_ioctl, -1, TCGETS, u + 64), -EBADF);
	ck_assert_int_eq(sys(SYS_ioctl, 0, 0x5499, u + 64), -ENOTTY);
	/* The request is an unsigned int: the upper half is ignored. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, (1UL << 32) | TCGETS, u + 64), 0);
	return 0;
}

START_TEST(test_errors)
{
	sys_run(errors);
}
END_TEST

/* Whole lines, CR mapped to NL, echo with ONLCR, editing, EOF. */
static int
canonical(void *arg)
{
	uaddr_t u = umem(PG);
	size_t mark = strlen(hosted_console_log());

	(void)arg;
	feed("hello\rworld\n");
	read_is(0, u, 100, "hello\n");
	read_is(0, u, 100, "world\n");
	echoed(mark, "hello\r\nworld\r\n");
	/* A short buffer takes a line in pieces. */
	feed("abcdef\n");
	read_is(0, u, 3, "abc");
	read_is(0, u, 100, "def\n");
	/* Erase, kill and word erase, with ECHOE's and ECHOKE's rubout. */
	mark = strlen(hosted_console_log());
	feed("abx\177c\n");
	read_is(0, u, 100, "abc\n");
	echoed(mark, "abx\b \bc");
	feed("junk\025ok\n");
	read_is(0, u, 100, "ok\n");
	echoed(mark, "junk\b \b\b \b\b \b\b \bok");
	feed("one two  \027three\n");
	read_is(0, u, 100, "one three\n");
	feed("\177\177x\n");
	read_is(0, u, 100, "x\n");
	/* ECHOCTL shows control characters as ^X; erasing one takes two. */
	mark = strlen(hosted_console_log());
	feed("\001\177y\n");
	read_is(0, u, 100, "y\n");
	echoed(mark, "^A\b \b\b \by");
	/* ^D hands over the line as it stands, or 0 (EOF) at its start. */
	feed("abc\004");
	read_is(0, u, 100, "abc");
	feed("\004");
	read_is(0, u, 100, "");
	feed("\004more\n");
	read_is(0, u, 100, "");
	read_is(0, u, 100, "more\n");
	/* A partial line does not satisfy a non-blocking read. */
	feed("partial");
	ck_assert_int_eq(sys(SYS_fcntl, 0, 4 /* F_SETFL */, O_NONBLOCK), 0);
	ck_assert_int_eq(sys(SYS_read, 0, u, 100), -EAGAIN);
	feed("\n");
	read_is(0, u, 100, "partial\n");
	ck_assert_int_eq(sys(SYS_read, 0, u, 100), -EAGAIN);
	return 0;
}

START_TEST(test_canonical)
{
	sys_run(canonical);
}
END_TEST

/* Set c_lflag and VMIN, keeping the rest; return the old settings. */
static struct termios
set_mode(uaddr_t u, uint32_t lflag_off, uint32_t oflag_off, int vmin)
{
	struct termios t, old;

	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u), 0);
	ck_assert_int_eq(copyin(&t, u, sizeof(t)), 0);
	old = t;
	t.c_lflag &= ~lflag_off;
	t.c_oflag &= ~oflag_off;
	t.c_cc[VMIN] = (uint8_t)vmin;
	ck_assert_int_eq(copyout(u, &t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TCSETS, u), 0);
	return old;
}

/* Non-canonical reads by VMIN; output processing on and off. */
static int
raw(void *arg)
{
	uaddr_t u = umem(PG);
	size_t mark = strlen(hosted_console_log());

	(void)arg;
	set_mode(u, ICANON | ECHO, 0, 3);
	feed("xyz");
	read_is(0, u, 100, "xyz");
	/* Fewer wanted than VMIN: the read needs only those. */
	feed("pq");
	read_is(0, u, 1, "p");
	read_is(0, u, 1, "q");
	/* No line editing: erase and ^D are data; CR still becomes NL. */
	feed("a\177\004\r");
	read_is(0, u, 4, "a\177\004\n");
	ck_assert_ptr_null(strstr(hosted_console_log() + mark, "xyz"));
	/* Non-blocking: fewer than VMIN bytes, or EAGAIN for none. */
	ck_assert_int_eq(sys(SYS_fcntl, 0, 4 /* F_SETFL */, O_NONBLOCK), 0);
	feed("w");
	read_is(0, u, 100, "w");
	ck_assert_int_eq(sys(SYS_read, 0, u, 100), -EAGAIN);
	ck_assert_int_eq(sys(SYS_fcntl, 0, 4 /* F_SETFL */, 0), 0);
	/* VMIN 0, VTIME 0: what is there, or 0 at once. */
	set_mode(u, ICANON | ECHO, 0, 0);
	read_is(0, u, 100, "");
	feed("k");
	read_is(0, u, 100, "k");
	/* Output: ONLCR, then OPOST off. */
	poke_str(u, "a\nb");
	ck_assert_int_eq(sys(SYS_write, 1, u, 3), 3);
	echoed(mark, "a\r\nb");
	set_mode(u, ICANON | ECHO, OPOST, 1);
	poke_str(u, "c\nd");
	ck_assert_int_eq(sys(SYS_write, 1, u, 3), 3);
	ck_assert_ptr_null(strstr(hosted_console_log() + mark, "c\r\nd"));
	echoed(mark, "c\nd");
	return 0;
}

START_TEST(test_raw)
{
	sys_run(raw);
}
END_TEST

/* poll(2) on fd 0 with a zero timeout: the revents, or 0. */
static int
poll0(uaddr_t u)
{
	struct { int32_t fd; int16_t events, revents; } pfd = { 0, 1, 0 };
	long r;

	ck_assert_int_eq(copyout(u, &pfd, sizeof(pfd)), 0);
	r = sys(SYS_poll, u, 1, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(copyin(&pfd, u, sizeof(pfd)), 0);
	return r == 0 ? 0 : pfd.revents;
}

/* Readable once a whole line (canonical) or a byte (raw) is there. */
static int
polling(void *arg)
{
	uaddr_t u = umem(PG);
	size_t mark = strlen(hosted_console_log());

	(void)arg;
	ck_assert_int_eq(poll0(u), 0);
	feed("ab");
	ck_assert_int_eq(poll0(u), 0);
	/* poll processed the input: the echo is out already. */
	echoed(mark, "ab");
	feed("\n");
	ck_assert_int_eq(poll0(u), POLLIN);
	read_is(0, u + 64, 100, "ab\n");
	ck_assert_int_eq(poll0(u), 0);
	set_mode(u + 64, ICANON, 0, 1);
	feed("c");
	ck_assert_int_eq(poll0(u), POLLIN);
	read_is(0, u + 64, 100, "c");
	return 0;
}

START_TEST(test_polling)
{
	sys_run(polling);
}
END_TEST

static int
blocked_reader(void *arg)
{
	(void)arg;
	sys(SYS_read, 0, umem(PG), 100);
	return 1;	/* not reached: the signal ends it */
}

/* A reader waiting for a line is killed by a signal, freeing the tty. */
static int
interrupted(void *arg)
{
	uaddr_t u = umem(PG);
	long pid;
	int st;

	(void)arg;
	pid = hosted_fork(blocked_reader, NULL);
	ck_assert_int_gt(pid, 0);
	/* Give it 50 ms to be asleep in the read. */
	poke32(u, 0);
	poke32(u + 4, 0);
	poke32(u + 8, 50000000);
	poke32(u + 12, 0);
	ck_assert_int_eq(sys(SYS_nanosleep, u, 0), 0);
	ck_assert_int_eq(sys(SYS_kill, pid, 15 /* SIGTERM */), 0);
	st = wait_status(pid);
	ck_assert_int_eq(st & 0x7f, 15);
	feed("after\n");
	read_is(0, u, 100, "after\n");
	return 0;
}

START_TEST(test_interrupted)
{
	sys_run_on(2, interrupted);
}
END_TEST

/* A new session's leader takes the tty and runs its foreground group. */
static int
ctty_child(void *arg)
{
	uaddr_t u = umem(PG);
	long me = sys(SYS_getpid);
	int init_pgid = (int)(intptr_t)arg;

	ck_assert_int_eq(sys(SYS_setsid), me);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGPGRP, u), -ENOTTY);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGSID, u), -ENOTTY);
	/* init's session has it: only root's TIOCSCTTY 1 takes it. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSCTTY, 0), -EPERM);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSCTTY, 1), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSCTTY, 0), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 1, TIOCGSID, u), 0);
	ck_assert_int_eq(peek32(u), me);
	ck_assert_int_eq(sys(SYS_ioctl, 2, TIOCGPGRP, u), 0);
	ck_assert_int_eq(peek32(u), me);
	poke32(u, 99999);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSPGRP, u), -ESRCH);
	poke32(u, init_pgid);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSPGRP, u), -EPERM);
	poke32(u, -1);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSPGRP, u), -EINVAL);
	poke32(u, (int32_t)me);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSPGRP, u), 0);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCSPGRP, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGPGRP, BAD), -EFAULT);
	return 0;
}

static int
ctty(void *arg)
{
	uaddr_t u = umem(PG);
	long pgid = sys(SYS_getpgid, 0);
	long pid;

	(void)arg;
	/* The kernel opened the console for init: its session has it. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGPGRP, u), 0);
	ck_assert_int_eq(peek32(u), pgid);
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGSID, u), 0);
	ck_assert_int_eq(peek32(u), sys(SYS_getsid, 0));
	pid = hosted_fork(ctty_child, (void *)(intptr_t)pgid);
	ck_assert_int_eq(wait_status(pid), 0);
	/* The child's session took it away from init's. */
	ck_assert_int_eq(sys(SYS_ioctl, 0, TIOCGPGRP, u), -ENOTTY);
	return 0;
}

START_TEST(test_ctty)
{
	sys_run(ctty);
}
END_TEST

static Suite *
dev_tty_suite(void)
{
	Suite *s = suite_create("dev_tty");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_winsize_fionread);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_canonical);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_polling);
	tcase_add_test(tc, test_interrupted);
	tcase_add_test(tc, test_ctty);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dev_tty_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
