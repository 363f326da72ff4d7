/*
 * Signals in real user mode, as init: Linux's rt_sigframe as musl's
 * handlers and restorer see it.
 *
 *  - SA_SIGINFO SIGSEGV from a NULL write: si_signo, si_code, si_addr and
 *    the ucontext's rip/cr2, recovered with siglongjmp;
 *  - rt_sigreturn restores every register the handler clobbered (general
 *    and SSE) and the syscall's own result;
 *  - a pipe read interrupted by a child kill()ing us: EINTR without
 *    SA_RESTART, the read carrying on with it;
 *  - sigaltstack: the handler runs on it and sees SS_ONSTACK;
 *  - SIGCHLD with si_pid/si_status; SIGPIPE caught, and by default fatal;
 *  - a fatal SIGSEGV's wait status carries the core bit.
 *
 * Prints "signals: ok" and exits 0, or names the first failed check.
 */
#define _GNU_SOURCE	/* REG_RIP, REG_CR2 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("signals: FAIL line %d: %s\n", __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

/* Pointers the compiler cannot see through: faults it must not warn of. */
static int *volatile null_ptr;
static int *volatile low_ptr = (int *)8;

static sigjmp_buf jb;
static volatile int got_signo, got_code;
static volatile uintptr_t got_addr, got_cr2;
static volatile int count[65];

static void
on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	got_signo = si->si_signo;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	got_cr2 = uc->uc_mcontext.gregs[REG_CR2];
	(void)sig;
	siglongjmp(jb, 1);
}

static void
test_segv(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	if (sigsetjmp(jb, 1) == 0) {
		*null_ptr = 1;
		CHECK(!"the NULL write returned");
	}
	CHECK(got_signo == SIGSEGV);
	CHECK(got_code == SEGV_MAPERR);
	CHECK(got_addr == 0);
	CHECK(got_cr2 == 0);
	/* siglongjmp restored the mask: SIGSEGV is not blocked. */
	sigset_t cur;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
	CHECK(!sigismember(&cur, SIGSEGV));
	signal(SIGSEGV, SIG_DFL);
}

/* Clobber what the C code around the handler would keep. */
static void
on_usr1_clobber(int sig)
{
	count[sig]++;
	__asm__ volatile(
	    "xor %%r8, %%r8\n\txor %%r9, %%r9\n\txor %%r10, %%r10\n\t"
	    "xor %%r12, %%r12\n\txor %%r13, %%r13\n\txor %%r14, %%r14\n\t"
	    "xor %%edx, %%edx\n\tpcmpeqd %%xmm0, %%xmm0\n\t"
	    "pcmpeqd %%xmm7, %%xmm7"
	    : : : "r8", "r9", "r10", "r12", "r13", "r14", "rdx", "xmm0",
	    "xmm7");
}

static void
test_sigreturn_regs(void)
{
	uint64_t o[16] = { 0 };
	uint64_t xin[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

	signal(SIGUSR1, on_usr1_clobber);
	o[12] = xin[0];
	o[13] = xin[1];
	__asm__ volatile(
	    "movdqu 96(%[o]), %%xmm0\n\t"
	    "movdqu 96(%[o]), %%xmm7\n\t"
	    "mov $0x1111, %%r8\n\tmov $0x2222, %%r9\n\tmov $0x3333, %%r10\n\t"
	    "mov $0x4444, %%r12\n\tmov $0x5555, %%r13\n\t"
	    "mov $0x6666, %%r14\n\tmov $0x7777, %%rdx\n\t"
	    "mov %[pid], %%rdi\n\tmov $10, %%esi\n\tmov $62, %%eax\n\t"
	    "syscall\n\t"
	    "mov %%r8, 0(%[o])\n\tmov %%r9, 8(%[o])\n\tmov %%r10, 16(%[o])\n\t"
	    "mov %%r12, 24(%[o])\n\tmov %%r13, 32(%[o])\n\t"
	    "mov %%r14, 40(%[o])\n\tmov %%rdx, 48(%[o])\n\t"
	    "mov %%rdi, 56(%[o])\n\tmov %%rsi, 64(%[o])\n\t"
	    "mov %%rax, 72(%[o])\n\t"
	    "movdqu %%xmm0, 80(%[o])\n\t"
	    "movdqu %%xmm7, 112(%[o])"
	    : : [o] "r"(o), [pid] "r"((uint64_t)getpid())
	    : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
	    "r12", "r13", "r14", "xmm0", "xmm7", "memory");
	CHECK(count[SIGUSR1] == 1);
	CHECK(o[0] == 0x1111 && o[1] == 0x2222 && o[2] == 0x3333);
	CHECK(o[3] == 0x4444 && o[4] == 0x5555 && o[5] == 0x6666);
	CHECK(o[6] == 0x7777);
	CHECK(o[7] == (uint64_t)getpid() && o[8] == 10);
	CHECK(o[9] == 0);		/* kill's result survives the handler */
	CHECK(o[10] == xin[0] && o[11] == xin[1]);
	CHECK(o[14] == xin[0] && o[15] == xin[1]);
	signal(SIGUSR1, SIG_DFL);
}

static void
on_count(int sig)
{
	count[sig]++;
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A child that signals its parent, then maybe writes a byte. */
static pid_t
poke_parent(int wr, int write_after)
{
	pid_t pid = fork();

	if (pid == 0) {
		nap_ms(50);
		kill(getppid(), SIGUSR2);
		if (write_after) {
			nap_ms(50);
			if (write(wr, "x", 1) != 1)
				_exit(2);
		}
		_exit(0);
	}
	return pid;
}

static void
test_eintr_restart(void)
{
	struct sigaction sa;
	int fds[2], st;
	char c;
	pid_t pid;
	ssize_t r;

	CHECK(pipe(fds) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_count;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	pid = poke_parent(fds[1], 0);
	errno = 0;
	r = read(fds[0], &c, 1);
	CHECK(r == -1 && errno == EINTR);
	CHECK(count[SIGUSR2] == 1);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0);

	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	pid = poke_parent(fds[1], 1);
	r = read(fds[0], &c, 1);
	CHECK(r == 1 && c == 'x');
	CHECK(count[SIGUSR2] == 2);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0);
	close(fds[0]);
	close(fds[1]);
	signal(SIGUSR2, SIG_DFL);
}

static char altstack[65536] __attribute__((aligned(16)));
static volatile uintptr_t handler_sp;
static volatile int handler_ss_flags;

static void
on_alt(int sig)
{
	stack_t cur;
	volatile char here;

	handler_sp = (uintptr_t)&here;
	if (sigaltstack(NULL, &cur) == 0)
		handler_ss_flags = cur.ss_flags;
	count[sig]++;
}

static void
test_altstack(void)
{
	struct sigaction sa;
	stack_t ss, old;

	ss.ss_sp = altstack;
	ss.ss_size = 1024;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);
	ss.ss_size = sizeof(altstack);
	CHECK(sigaltstack(&ss, &old) == 0);
	CHECK(old.ss_flags == SS_DISABLE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alt;
	sa.sa_flags = SA_ONSTACK;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(count[SIGUSR1] == 2);
	CHECK(handler_sp > (uintptr_t)altstack &&
	    handler_sp < (uintptr_t)altstack + sizeof(altstack));
	CHECK(handler_ss_flags == SS_ONSTACK);
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_flags == 0);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	signal(SIGUSR1, SIG_DFL);
}

static volatile int chld_pid, chld_status, chld_code;

static void
on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	count[sig]++;
	chld_pid = si->si_pid;
	chld_status = si->si_status;
	chld_code = si->si_code;
}

static void
test_sigchld_sigpipe(void)
{
	struct sigaction sa;
	int fds[2], st;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	pid = fork();
	if (pid == 0)
		_exit(3);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(count[SIGCHLD] == 1);
	CHECK(chld_pid == pid && chld_status == 3 && chld_code == CLD_EXITED);
	signal(SIGCHLD, SIG_DFL);

	/* SIGPIPE caught: the write fails with EPIPE after the handler. */
	signal(SIGPIPE, on_count);
	CHECK(pipe(fds) == 0);
	close(fds[0]);
	errno = 0;
	CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE);
	CHECK(count[SIGPIPE] == 1);
	signal(SIGPIPE, SIG_DFL);
	/* By default it kills. */
	pid = fork();
	if (pid == 0) {
		if (write(fds[1], "x", 1) < 0)
			_exit(4);
		_exit(5);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE && !WCOREDUMP(st));
	close(fds[1]);
	/* A fatal SIGSEGV dumps core (the 0x80 bit), as Linux reports. */
	pid = fork();
	if (pid == 0) {
		*low_ptr = 1;
		_exit(6);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && WCOREDUMP(st));
	/* A child spinning in user mode, never entering the kernel, dies. */
	pid = fork();
	if (pid == 0)
		for (;;)
			__asm__ volatile("" ::: "memory");
	nap_ms(20);
	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	/* Job control on a spinning child: stop, continue, kill. */
	pid = fork();
	if (pid == 0)
		for (;;)
			__asm__ volatile("" ::: "memory");
	CHECK(kill(pid, SIGSTOP) == 0);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(waitpid(pid, &st, WCONTINUED) == pid);
	CHECK(WIFCONTINUED(st));
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* A blocked signal waits in sigpending until sigsuspend lets it in. */
static void
test_mask_suspend(void)
{
	sigset_t set, old, pend, none;

	signal(SIGUSR2, on_count);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(count[SIGUSR2] == 2);
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2));
	sigemptyset(&none);
	CHECK(sigsuspend(&none) == -1 && errno == EINTR);
	CHECK(count[SIGUSR2] == 3);
	CHECK(sigprocmask(SIG_SETMASK, &old, &pend) == 0);
	CHECK(sigismember(&pend, SIGUSR2));
	/* pause() returns once a handler ran. */
	pid_t pid = poke_parent(-1, 0);
	CHECK(pause() == -1 && errno == EINTR);
	CHECK(count[SIGUSR2] == 4);
	CHECK(waitpid(pid, NULL, 0) == pid);
	signal(SIGUSR2, SIG_DFL);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_segv();
	test_sigreturn_regs();
	test_eintr_restart();
	test_altstack();
	test_sigchld_sigpipe();
	test_mask_suspend();
	if (failures == 0)
		printf("signals: ok\n");
	return failures == 0 ? 0 : 1;
}
