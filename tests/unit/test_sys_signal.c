/*
 * Signals through their syscalls: dispositions and their errors, masks
 * and pending sets, default actions in wait statuses, kill's targets and
 * errors, EINTR and SA_RESTART on a pipe read interrupted from another
 * vCPU, SIGCHLD, SIGPIPE, rt_sigsuspend, rt_sigtimedwait, sigaltstack,
 * and exit_group reaching a thread blocked in a read.
 *
 * Hosted handlers are C functions, void h(int, void *siginfo, void *uc),
 * run by the harness on the way back from a syscall (platform/hosted/
 * sigframe.c); the siginfo is in kernel memory, so they read it directly.
 * Host globals are shared by every hosted process, so handlers count
 * with atomics.
 */
#include "contract/entry.h"
#include "proc/thread.h"
#include "test_sys.h"

#define K_SIGHUP	1
#define K_SIGQUIT	3
#define K_SIGKILL	9
#define K_SIGUSR1	10
#define K_SIGUSR2	12
#define K_SIGPIPE	13
#define K_SIGTERM	15
#define K_SIGCHLD	17

#define K_SA_SIGINFO	0x00000004ul
#define K_SA_RESTORER	0x04000000ul
#define K_SA_RESTART	0x10000000ul
#define K_SA_NODEFER	0x40000000ul
#define K_SA_RESETHAND	0x80000000ul

#define BIT(s)		(1ull << ((s) - 1))
#define MS		1000000ull

static int counts[65];
static int32_t last_info[32];

static void
count_handler(int sig, void *info, void *uc)
{
	(void)uc;
	__atomic_fetch_add(&counts[sig], 1, __ATOMIC_SEQ_CST);
	memcpy(last_info, info, sizeof(last_info));
}

static int
count(int sig)
{
	return __atomic_load_n(&counts[sig], __ATOMIC_SEQ_CST);
}

static void
reset_counts(void)
{
	memset(counts, 0, sizeof(counts));
}

/* rt_sigaction(sig, {handler, flags | SA_RESTORER}) with user memory. */
static long
set_action(int sig, uint64_t handler, uint64_t flags, uint64_t mask)
{
	uaddr_t a = umem(PG);
	uint64_t act[4] = { handler, flags | K_SA_RESTORER, 1, mask };

	ck_assert_int_eq(copyout(a, act, sizeof(act)), 0);
	return sys(SYS_rt_sigaction, sig, a, 0, 8);
}

static void
handle(int sig, uint64_t flags)
{
	ck_assert_int_eq(set_action(sig, (uint64_t)(uintptr_t)count_handler,
	    flags, 0), 0);
}

static long
procmask(int how, uint64_t set, uint64_t *old)
{
	uaddr_t a = umem(PG);
	long r;

	ck_assert_int_eq(copyout(a, &set, sizeof(set)), 0);
	r = sys(SYS_rt_sigprocmask, how, a, a + 8, 8);
	if (old != NULL)
		ck_assert_int_eq(copyin(old, a + 8, sizeof(*old)), 0);
	return r;
}

static uint64_t
pending(void)
{
	uaddr_t a = umem(PG);
	uint64_t set;

	ck_assert_int_eq(sys(SYS_rt_sigpending, a, 8), 0);
	ck_assert_int_eq(copyin(&set, a, sizeof(set)), 0);
	return set;
}

static void
mkpipe(int *rd, int *wr)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(sys(SYS_pipe2, u, 0), 0);
	*rd = peek32(u);
	*wr = peek32(u + 4);
}

/* rt_sigaction's and rt_sigprocmask's errors; old actions come back. */
static int
errors_body(void *arg)
{
	uaddr_t a = umem(PG);
	uint64_t old[4], set;

	(void)arg;
	ck_assert_int_eq(sys(SYS_rt_sigaction, K_SIGUSR1, 0, 0, 4), -EINVAL);
	ck_assert_int_eq(sys(SYS_rt_sigaction, 0, 0, 0, 8), -EINVAL);
	ck_assert_int_eq(sys(SYS_rt_sigaction, 65, 0, 0, 8), -EINVAL);
	ck_assert_int_eq(set_action(K_SIGKILL, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(set_action(19, 1, 0, 0), -EINVAL);	/* SIGSTOP */
	/* Reading SIGKILL's action is fine. */
	ck_assert_int_eq(sys(SYS_rt_sigaction, K_SIGKILL, 0, a, 8), 0);
	handle(K_SIGUSR1, K_SA_SIGINFO);
	ck_assert_int_eq(sys(SYS_rt_sigaction, K_SIGUSR1, 0, a, 8), 0);
	ck_assert_int_eq(copyin(old, a, sizeof(old)), 0);
	ck_assert(old[0] == (uint64_t)(uintptr_t)count_handler);
	ck_assert(old[1] == (K_SA_SIGINFO | K_SA_RESTORER));
	ck_assert_int_eq(sys(SYS_rt_sigaction, K_SIGUSR1, BAD, 0, 8), -EFAULT);
	/* Masks: bad how, bad size; SIGKILL cannot be blocked. */
	ck_assert_int_eq(procmask(3, 0, NULL), -EINVAL);
	ck_assert_int_eq(sys(SYS_rt_sigprocmask, 0, 0, 0, 16), -EINVAL);
	ck_assert_int_eq(procmask(0, BIT(K_SIGKILL) | BIT(K_SIGUSR1), NULL),
	    0);
	ck_assert_int_eq(procmask(0, 0, &set), 0);
	ck_assert(set == BIT(K_SIGUSR1));
	ck_assert_int_eq(procmask(1, BIT(K_SIGUSR1), &set), 0);
	ck_assert(set == BIT(K_SIGUSR1));
	ck_assert_int_eq(procmask(2, BIT(K_SIGHUP), &set), 0);
	ck_assert(set == 0);
	ck_assert_int_eq(procmask(2, 0, &set), 0);
	ck_assert(set == BIT(K_SIGHUP));
	ck_assert_int_eq(sys(SYS_rt_sigpending, a, 16), -EINVAL);
	return 0;
}

START_TEST(test_errors)
{
	sys_run(errors_body);
}
END_TEST

/* Blocked signals wait; unblocking delivers; SIG_IGN drops. */
static int
mask_body(void *arg)
{
	int self = (int)sys(SYS_getpid);

	(void)arg;
	reset_counts();
	handle(K_SIGUSR1, K_SA_SIGINFO);
	ck_assert_int_eq(procmask(0, BIT(K_SIGUSR1), NULL), 0);
	ck_assert_int_eq(sys(SYS_kill, self, K_SIGUSR1), 0);
	ck_assert_int_eq(count(K_SIGUSR1), 0);
	ck_assert(pending() == BIT(K_SIGUSR1));
	/* Two sends, one delivery: classic signals do not queue. */
	ck_assert_int_eq(sys(SYS_kill, self, K_SIGUSR1), 0);
	ck_assert_int_eq(procmask(1, BIT(K_SIGUSR1), NULL), 0);
	ck_assert_int_eq(count(K_SIGUSR1), 1);
	ck_assert(pending() == 0);
	ck_assert_int_eq(last_info[0], K_SIGUSR1);
	ck_assert_int_eq(last_info[2], 0);		/* SI_USER */
	ck_assert_int_eq(last_info[4], self);		/* si_pid */
	/* tgkill: thread-directed, si_code SI_TKILL. */
	ck_assert_int_eq(sys(SYS_tgkill, self, self, K_SIGUSR1), 0);
	ck_assert_int_eq(count(K_SIGUSR1), 2);
	ck_assert_int_eq(last_info[2], -6);
	/* rt_sigqueueinfo: SI_QUEUE with its value; kernel codes: EPERM. */
	{
		uaddr_t u = umem(PG);
		int32_t si[32] = { K_SIGUSR1, 0, -1, 0, self, 0, 77, 0 };

		ck_assert_int_eq(copyout(u, si, sizeof(si)), 0);
		ck_assert_int_eq(sys(SYS_rt_sigqueueinfo, self, K_SIGUSR1, u),
		    0);
		ck_assert_int_eq(count(K_SIGUSR1), 3);
		ck_assert_int_eq(last_info[2], -1);
		ck_assert_int_eq(last_info[6], 77);
		ck_assert_int_eq(sys(SYS_rt_tgsigqueueinfo, self, self,
		    K_SIGUSR1, u), 0);
		ck_assert_int_eq(count(K_SIGUSR1), 4);
		si[2] = 0;
		ck_assert_int_eq(copyout(u, si, sizeof(si)), 0);
		ck_assert_int_eq(sys(SYS_rt_sigqueueinfo, 4242, K_SIGUSR1, u),
		    -EPERM);
		ck_assert_int_eq(sys(SYS_rt_sigqueueinfo, self, K_SIGUSR1,
		    BAD), -EFAULT);
	}
	/* Ignored and not blocked: dropped at once. */
	ck_assert_int_eq(set_action(K_SIGUSR1, 1, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_kill, self, K_SIGUSR1), 0);
	ck_assert(pending() == 0);
	/* Ignoring discards a pending one. */
	handle(K_SIGUSR2, 0);
	ck_assert_int_eq(procmask(0, BIT(K_SIGUSR2), NULL), 0);
	ck_assert_int_eq(sys(SYS_tkill, self, K_SIGUSR2), 0);
	ck_assert(pending() == BIT(K_SIGUSR2));
	ck_assert_int_eq(set_action(K_SIGUSR2, 1, 0, 0), 0);
	ck_assert(pending() == 0);
	/* SA_RESETHAND: the second one takes the default (ignored: SIGCHLD). */
	handle(K_SIGCHLD, K_SA_RESETHAND);
	ck_assert_int_eq(sys(SYS_kill, self, K_SIGCHLD), 0);
	ck_assert_int_eq(sys(SYS_kill, self, K_SIGCHLD), 0);
	ck_assert_int_eq(count(K_SIGCHLD), 1);
	return 0;
}

START_TEST(test_mask)
{
	sys_run(mask_body);
}
END_TEST

/* Children that signal themselves, for their wait statuses. */
static int
raise_child(void *arg)
{
	sys(SYS_kill, sys(SYS_getpid), (long)(intptr_t)arg);
	return 0;
}

static int
ignore_child(void *arg)
{
	(void)arg;
	ck_assert_int_eq(set_action(K_SIGTERM, 1, 0, 0), 0);
	sys(SYS_kill, sys(SYS_getpid), K_SIGTERM);
	return 5;
}

static int
sigpipe_child(void *arg)
{
	uaddr_t buf = umem(PG);
	int rd, wr;

	(void)arg;
	mkpipe(&rd, &wr);
	sys(SYS_close, rd);
	sys(SYS_write, wr, buf, 1);
	return 0;
}

static int
defaults_body(void *arg)
{
	(void)arg;
	ck_assert_int_eq(wait_status(hosted_fork(raise_child,
	    (void *)(intptr_t)K_SIGTERM)), K_SIGTERM);
	ck_assert_int_eq(wait_status(hosted_fork(raise_child,
	    (void *)(intptr_t)K_SIGKILL)), K_SIGKILL);
	/* SIGQUIT dumps core: the 0x80 bit. */
	ck_assert_int_eq(wait_status(hosted_fork(raise_child,
	    (void *)(intptr_t)K_SIGQUIT)), K_SIGQUIT | 0x80);
	/* SIGCHLD's default is to ignore; so is an explicit SIG_IGN. */
	ck_assert_int_eq(wait_status(hosted_fork(raise_child,
	    (void *)(intptr_t)K_SIGCHLD)), 0);
	ck_assert_int_eq(wait_status(hosted_fork(ignore_child, NULL)), 5 << 8);
	ck_assert_int_eq(wait_status(hosted_fork(sigpipe_child, NULL)),
	    K_SIGPIPE);
	return 0;
}

START_TEST(test_defaults)
{
	sys_run(defaults_body);
}
END_TEST

/* kill's targets and errors. */
static int
sleeper(void *arg)
{
	uaddr_t buf = umem(PG);
	int rd = (int)(intptr_t)arg;

	/* Blocks until killed. */
	sys(SYS_read, rd, buf, 1);
	return 3;
}

static int
kill_body(void *arg)
{
	int rd, wr;
	long a, b;

	(void)arg;
	mkpipe(&rd, &wr);
	ck_assert_int_eq(sys(SYS_kill, 4242, 0), -ESRCH);
	ck_assert_int_eq(sys(SYS_kill, 1, 65), -EINVAL);
	ck_assert_int_eq(sys(SYS_kill, 1, -1), -EINVAL);
	ck_assert_int_eq(sys(SYS_kill, 1, 0), 0);
	ck_assert_int_eq(sys(SYS_kill, -4242, 0), -ESRCH);
	ck_assert_int_eq(sys(SYS_tgkill, 0, 1, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_tgkill, 2, 1, 0), -ESRCH);
	ck_assert_int_eq(sys(SYS_tkill, 4242, 0), -ESRCH);
	ck_assert_int_eq(sys(SYS_tkill, 1, 99), -EINVAL);
	/* A blocked reader dies of SIGTERM; a group dies by -pgid. */
	a = hosted_fork(sleeper, (void *)(intptr_t)rd);
	ck_assert_int_eq(sys(SYS_kill, a, 0), 0);
	ck_assert_int_eq(sys(SYS_kill, a, K_SIGTERM), 0);
	ck_assert_int_eq(wait_status(a), K_SIGTERM);
	a = hosted_fork(sleeper, (void *)(intptr_t)rd);
	b = hosted_fork(sleeper, (void *)(intptr_t)rd);
	ck_assert_int_eq(sys(SYS_setpgid, a, a), 0);
	ck_assert_int_eq(sys(SYS_setpgid, b, a), 0);
	ck_assert_int_eq(sys(SYS_kill, -a, K_SIGHUP), 0);
	ck_assert_int_eq(wait_status(a), K_SIGHUP);
	ck_assert_int_eq(wait_status(b), K_SIGHUP);
	/* kill(-1): everyone but init (the caller) and itself: none here. */
	ck_assert_int_eq(sys(SYS_kill, -1, 0), -ESRCH);
	a = hosted_fork(sleeper, (void *)(intptr_t)rd);
	ck_assert_int_eq(sys(SYS_kill, -1, K_SIGKILL), 0);
	ck_assert_int_eq(wait_status(a), K_SIGKILL);
	return 0;
}

START_TEST(test_kill)
{
	sys_run_on(2, kill_body);
}
END_TEST

/* Job control: stop, report, continue, report, kill. */
static int
job_body(void *arg)
{
	uaddr_t u = umem(PG);
	int rd, wr;
	long a;

	(void)arg;
	mkpipe(&rd, &wr);
	a = hosted_fork(sleeper, (void *)(intptr_t)rd);
	ck_assert_int_eq(sys(SYS_kill, a, 19), 0);		/* SIGSTOP */
	ck_assert_int_eq(sys(SYS_wait4, a, u, 2, 0), a);	/* WUNTRACED */
	ck_assert_int_eq(peek32(u), (19 << 8) | 0x7f);
	/* Reported once only. */
	ck_assert_int_eq(sys(SYS_wait4, a, u, 3, 0), 0);	/* |WNOHANG */
	ck_assert_int_eq(sys(SYS_kill, a, 18), 0);		/* SIGCONT */
	ck_assert_int_eq(sys(SYS_wait4, a, u, 8, 0), a);	/* WCONTINUED */
	ck_assert_int_eq(peek32(u), 0xffff);
	/* Stopped again, seen through waitid's siginfo: CLD_STOPPED. */
	ck_assert_int_eq(sys(SYS_kill, a, 20), 0);		/* SIGTSTP */
	ck_assert_int_eq(sys(SYS_waitid, 1, a, u, 2, 0), 0);	/* P_PID */
	ck_assert_int_eq(peek32(u + 8), 5);
	ck_assert_int_eq(peek32(u + 24), 20);
	/* SIGKILL ends a stopped process. */
	ck_assert_int_eq(sys(SYS_kill, a, K_SIGKILL), 0);
	ck_assert_int_eq(wait_status(a), K_SIGKILL);
	return 0;
}

START_TEST(test_job_control)
{
	sys_run_on(2, job_body);
}
END_TEST

/* A child on the other vCPU signals its parent blocked in a pipe read. */
struct intr_arg {
	int ppid, wr;
	bool write_after;
};

static int
poker(void *p)
{
	struct intr_arg *ia = p;
	uaddr_t buf = umem(PG);

	thread_sleep_ns(30 * MS);
	sys(SYS_kill, ia->ppid, K_SIGUSR1);
	if (ia->write_after) {
		thread_sleep_ns(30 * MS);
		poke_str(buf, "x");
		sys(SYS_write, ia->wr, buf, 1);
	}
	return 0;
}

static int
eintr_body(void *arg)
{
	static struct intr_arg ia;
	uaddr_t buf = umem(PG);
	int rd, wr;
	long pid;

	(void)arg;
	reset_counts();
	mkpipe(&rd, &wr);
	ia = (struct intr_arg){ (int)sys(SYS_getpid), wr, false };
	handle(K_SIGUSR1, 0);
	pid = hosted_fork(poker, &ia);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 1), -EINTR);
	ck_assert_int_eq(count(K_SIGUSR1), 1);
	ck_assert_int_eq(wait_status(pid), 0);
	/* SA_RESTART: the read goes on and gets the byte written later. */
	handle(K_SIGUSR1, K_SA_RESTART);
	ia.write_after = true;
	pid = hosted_fork(poker, &ia);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 1), 1);
	ck_assert_int_eq(count(K_SIGUSR1), 2);
	ck_assert_int_eq(wait_status(pid), 0);
	/* wait4 is interruptible too. */
	handle(K_SIGUSR1, 0);
	ia.write_after = false;
	pid = hosted_fork(poker, &ia);
	ck_assert_int_eq(sys(SYS_wait4, pid, 0, 0, 0), -EINTR);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_eintr)
{
	sys_run_on(2, eintr_body);
}
END_TEST

/* SIGCHLD with its siginfo; rt_sigsuspend; rt_sigtimedwait. */
static int
exit7(void *arg)
{
	(void)arg;
	return 7;
}

static int
wait_signals_body(void *arg)
{
	static struct intr_arg ia;
	uaddr_t u = umem(PG);
	uint64_t set;
	int64_t ts[2] = { 0, 20 * MS };
	int32_t si[32];
	long pid;

	(void)arg;
	reset_counts();
	/* SA_RESTART: the wait4 it interrupts goes on. */
	handle(K_SIGCHLD, K_SA_SIGINFO | K_SA_RESTART);
	pid = hosted_fork(exit7, NULL);
	ck_assert_int_eq(wait_status(pid), 7 << 8);
	ck_assert_int_eq(count(K_SIGCHLD), 1);
	ck_assert_int_eq(last_info[0], K_SIGCHLD);
	ck_assert_int_eq(last_info[2], 1);		/* CLD_EXITED */
	ck_assert_int_eq(last_info[4], pid);
	ck_assert_int_eq(last_info[6], 7);
	ck_assert_int_eq(set_action(K_SIGCHLD, 0, 0, 0), 0);
	/* rt_sigsuspend: the temporary mask lets SIGUSR1 in, then goes. */
	handle(K_SIGUSR1, 0);
	ck_assert_int_eq(procmask(0, BIT(K_SIGUSR1), NULL), 0);
	ia = (struct intr_arg){ (int)sys(SYS_getpid), -1, false };
	pid = hosted_fork(poker, &ia);
	set = 0;
	ck_assert_int_eq(copyout(u, &set, sizeof(set)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigsuspend, u, 8), -EINTR);
	ck_assert_int_eq(count(K_SIGUSR1), 1);
	ck_assert_int_eq(procmask(0, 0, &set), 0);
	ck_assert(set == BIT(K_SIGUSR1));
	ck_assert_int_eq(wait_status(pid), 0);
	/* rt_sigtimedwait: takes a blocked pending one, no handler runs. */
	ck_assert_int_eq(sys(SYS_kill, sys(SYS_getpid), K_SIGUSR1), 0);
	set = BIT(K_SIGUSR1);
	ck_assert_int_eq(copyout(u, &set, sizeof(set)), 0);
	ck_assert_int_eq(copyout(u + 64, ts, sizeof(ts)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigtimedwait, u, u + 128, u + 64, 8),
	    K_SIGUSR1);
	ck_assert_int_eq(copyin(si, u + 128, sizeof(si)), 0);
	ck_assert_int_eq(si[0], K_SIGUSR1);
	ck_assert_int_eq(count(K_SIGUSR1), 1);
	/* Nothing comes: EAGAIN after the timeout. */
	ck_assert_int_eq(sys(SYS_rt_sigtimedwait, u, 0, u + 64, 8), -EAGAIN);
	/* A signal sent from elsewhere while waiting. */
	pid = hosted_fork(poker, &ia);
	ck_assert_int_eq(sys(SYS_rt_sigtimedwait, u, 0, 0, 8), K_SIGUSR1);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(count(K_SIGUSR1), 1);
	/* SIGCHLD ignored: no zombie, and wait4 ends in ECHILD. */
	ck_assert_int_eq(set_action(K_SIGCHLD, 1, 0, 0), 0);
	pid = hosted_fork(exit7, NULL);
	ck_assert_int_eq(sys(SYS_wait4, -1, 0, 0, 0), -ECHILD);
	ck_assert_int_eq(set_action(K_SIGCHLD, 0, 0, 0), 0);
	ts[1] = 1000000000;
	ck_assert_int_eq(copyout(u + 64, ts, sizeof(ts)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigtimedwait, u, 0, u + 64, 8), -EINVAL);
	return 0;
}

START_TEST(test_wait_signals)
{
	sys_run_on(2, wait_signals_body);
}
END_TEST

/* sigaltstack: errors, and what it reports. */
static int
altstack_body(void *arg)
{
	uaddr_t u = umem(PG);
	uint64_t ss[3];

	(void)arg;
	ck_assert_int_eq(sys(SYS_sigaltstack, 0, u), 0);
	ck_assert_int_eq(copyin(ss, u, sizeof(ss)), 0);
	ck_assert_int_eq((int)ss[1], 2);		/* SS_DISABLE */
	ss[0] = 0x100000;
	ss[1] = 0;
	ss[2] = 1024;
	ck_assert_int_eq(copyout(u, ss, sizeof(ss)), 0);
	ck_assert_int_eq(sys(SYS_sigaltstack, u, 0), -ENOMEM);
	ss[1] = 7;
	ss[2] = 8192;
	ck_assert_int_eq(copyout(u, ss, sizeof(ss)), 0);
	ck_assert_int_eq(sys(SYS_sigaltstack, u, 0), -EINVAL);
	ss[1] = 0;
	ck_assert_int_eq(copyout(u, ss, sizeof(ss)), 0);
	ck_assert_int_eq(sys(SYS_sigaltstack, u, 0), 0);
	ck_assert_int_eq(sys(SYS_sigaltstack, 0, u + 64), 0);
	ck_assert_int_eq(copyin(ss, u + 64, sizeof(ss)), 0);
	ck_assert(ss[0] == 0x100000 && (int)ss[1] == 0 && ss[2] == 8192);
	ck_assert_int_eq(sys(SYS_sigaltstack, BAD, 0), -EFAULT);
	return 0;
}

START_TEST(test_altstack)
{
	sys_run(altstack_body);
}
END_TEST

/* exit_group reaches a sibling thread blocked in a pipe read. */
static int rd_shared;

static int
blocked_thread(void *arg)
{
	uaddr_t buf = umem(PG);

	(void)arg;
	sys(SYS_read, rd_shared, buf, 1);
	return 0;
}

static int
group_child(void *arg)
{
	int wr;

	(void)arg;
	mkpipe(&rd_shared, &wr);
	/* CLONE_VM|FS|FILES|SIGHAND|THREAD */
	ck_assert(hosted_clone(0x10f00, 0, 0, 0, 0, blocked_thread, NULL) > 0);
	thread_sleep_ns(20 * MS);
	sys(SYS_exit_group, 9);
	return 0;
}

static int
group_body(void *arg)
{
	(void)arg;
	ck_assert_int_eq(wait_status(hosted_fork(group_child, NULL)), 9 << 8);
	return 0;
}

START_TEST(test_exit_group_wakes)
{
	sys_run_on(2, group_body);
}
END_TEST

static Suite *
sys_signal_suite(void)
{
	Suite *s = suite_create("sys_signal");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_kill);
	tcase_add_test(tc, test_eintr);
	tcase_add_test(tc, test_job_control);
	tcase_add_test(tc, test_wait_signals);
	tcase_add_test(tc, test_altstack);
	tcase_add_test(tc, test_exit_group_wakes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_signal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
