/*
 * Helpers shared by the console tty's tests (test_tty_*.c): input fed
 * straight to the line discipline, reads and echo checks, settings,
 * signal handlers and a few syscall wrappers.
 */
#ifndef TEST_TTY_H
#define TEST_TTY_H

#include "contract/clock.h"
#include "contract/entry.h"
#include "dev/tty.h"
#include "test_sys.h"

#define T_SIGHUP	1
#define T_SIGINT	2
#define T_SIGQUIT	3
#define T_SIGKILL	9
#define T_SIGTERM	15
#define T_SIGCONT	18
#define T_SIGTSTP	20
#define T_SIGTTIN	21
#define T_SIGTTOU	22
#define T_SIGWINCH	28
#define T_SA_RESTORER	0x04000000u
#define T_SIG_IGN	1
#define T_SIG_BLOCK	0
#define T_WUNTRACED	2
#define T_WNOHANG	1
#define T_F_SETFL	4

/* Input processed by the line discipline before this returns. */
static inline void
feed(const char *s)
{
	ck_assert_uint_eq(tty_receive(s, strlen(s)), strlen(s));
}

/* Read fd into u (at most n bytes); expect exactly want. */
static inline void
read_is(int fd, uaddr_t u, size_t n, const char *want)
{
	char got[256];
	long r = sys(SYS_read, fd, u, n);

	ck_assert_int_eq(r, (long)strlen(want));
	ck_assert_int_eq(copyin(got, u, (size_t)r), 0);
	got[r] = '\0';
	ck_assert_str_eq(got, want);
}

/* Where the console log ends now. */
static inline size_t
log_mark(void)
{
	return strlen(hosted_console_log());
}

/* The console log from mark on contains s. */
static inline void
echoed(size_t mark, const char *s)
{
	ck_assert_msg(strstr(hosted_console_log() + mark, s) != NULL,
	    "no \"%s\" in the echo \"%s\"", s, hosted_console_log() + mark);
}

/* ... and does not. */
static inline void
not_echoed(size_t mark, const char *s)
{
	ck_assert_msg(strstr(hosted_console_log() + mark, s) == NULL,
	    "\"%s\" in the echo", s);
}

static inline struct termios
get_tio(void)
{
	uaddr_t u = umem(PG);
	struct termios t;

	ck_assert_int_eq(sys(SYS_ioctl, 0, TCGETS, u), 0);
	ck_assert_int_eq(copyin(&t, u, sizeof(t)), 0);
	return t;
}

static inline long
set_tio(const struct termios *t)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, t, sizeof(*t)), 0);
	return sys(SYS_ioctl, 0, TCSETS, u);
}

/* Non-canonical, no echo, with VMIN and VTIME. */
static inline void
set_raw(int vmin, int vtime)
{
	struct termios t = get_tio();

	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = (uint8_t)vmin;
	t.c_cc[VTIME] = (uint8_t)vtime;
	ck_assert_int_eq(set_tio(&t), 0);
}

/* rt_sigaction(sig, {handler}) with user memory. */
static inline long
set_action(int sig, uint64_t handler)
{
	uaddr_t a = umem(PG);
	uint64_t act[4] = { handler, T_SA_RESTORER, 1, 0 };

	ck_assert_int_eq(copyout(a, act, sizeof(act)), 0);
	return sys(SYS_rt_sigaction, sig, a, 0, 8);
}

static inline void
block_signal(int sig)
{
	uaddr_t a = umem(PG);
	uint64_t set = 1ull << (sig - 1);

	ck_assert_int_eq(copyout(a, &set, sizeof(set)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigprocmask, T_SIG_BLOCK, a, 0, 8), 0);
}

static inline void
mkpipe(int *rd, int *wr)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(sys(SYS_pipe2, u, 0), 0);
	*rd = peek32(u);
	*wr = peek32(u + 4);
}

static inline void
sleep_ms(long ms)
{
	uaddr_t u = umem(PG);
	int64_t ts[2] = { ms / 1000, (ms % 1000) * 1000000 };

	ck_assert_int_eq(copyout(u, ts, sizeof(ts)), 0);
	ck_assert_int_eq(sys(SYS_nanosleep, u, 0), 0);
}

/* TIOCSPGRP / TIOCGPGRP on fd 0. */
static inline long
set_fg(int pgid)
{
	uaddr_t u = umem(PG);

	poke32(u, pgid);
	return sys(SYS_ioctl, 0, TIOCSPGRP, u);
}

static inline long
get_fg(void)
{
	uaddr_t u = umem(PG);
	long r = sys(SYS_ioctl, 0, TIOCGPGRP, u);

	return r < 0 ? r : peek32(u);
}

/* wait4 with options; the status, after checking the pid came back. */
static inline int
wait_opts(long pid, int options)
{
	uaddr_t st = umem(PG);

	ck_assert_int_eq(sys(SYS_wait4, pid, st, options, 0), pid);
	return peek32(st);
}

#define STOPPED_BY(sig)	(((sig) << 8) | 0x7f)

#endif
