/*
 * The hosted syscall harness: user programs as C functions (hosted.h).
 *
 * hosted_run_init() boots the kernel and turns its first kernel thread
 * into init with proc_init(), the same call the x86 bake makes before it
 * enters its first ELF image; the program then runs through uctx_enter().
 * hosted_syscall6() packs the words into struct syscall_args and calls
 * syscall_dispatch(), the one entry the syscall instruction, the fuzzer
 * and these tests share.  The fork family records the child's
 * continuation in the caller's uctx for the duration of the call
 * (uctx.c explains why).
 */
#include <stdio.h>
#include <stdlib.h>

#include "contract/uctx.h"
#include "hosted.h"
#include "kern/printk.h"
#include "mm/reserve.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "sys/syscall.h"

struct init_call {
	int (*prog)(void *);
	void *arg;
};

/*
 * Run the handlers of the frames the delivery built, newest first (the
 * one x86 would enter), each ended by rt_sigreturn as its restorer
 * would; frames of handlers already running further out stay.
 */
static void
run_handlers(struct hosted_sigstate *st)
{
	int d;

	while (st->depth > 0 && !st->frames[st->depth - 1].ran) {
		d = st->depth - 1;
		st->frames[d].ran = true;
		st->frames[d].handler(st->frames[d].signo, st->frames[d].info,
		    NULL);
		hosted_syscall(SYS_rt_sigreturn);
	}
}

long
hosted_syscall6(unsigned long nr, unsigned long a0, unsigned long a1,
    unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct syscall_args args = { { a0, a1, a2, a3, a4, a5 } };
	struct uctx *u = curthread()->uctx;
	struct hosted_sigstate *st;
	bool outer;
	long r;

	/* As the x86 return path: deliver signals, maybe run the call again. */
	for (;;) {
		r = syscall_dispatch(nr, &args);
		if (u == NULL)
			return r;
		st = hosted_uctx_sigstate(u);
		*hosted_uctx_rax(u) = r;
		/* rt_sigreturn brought back the interrupted call's restart. */
		outer = st->restart;
		st->restart = false;
		signal_deliver(u, (long)nr);
		run_handlers(st);
		if (nr == SYS_rt_sigreturn) {
			st->restart = outer;
			return *hosted_uctx_rax(u);
		}
		if (!st->restart)
			return *hosted_uctx_rax(u);
	}
}

/* Issue a fork-family call with child(arg) as the child's program. */
static long
fork_with(unsigned long nr, struct syscall_args *args, int (*child)(void *),
    void *arg)
{
	struct uctx *u = curthread()->uctx;
	long r;

	hosted_uctx_set_child(u, child, arg);
	r = syscall_dispatch(nr, args);
	hosted_uctx_set_child(u, NULL, NULL);
	return r;
}

long
hosted_fork(int (*child)(void *), void *arg)
{
	struct syscall_args args = { { 0 } };

	return fork_with(SYS_fork, &args, child, arg);
}

long
hosted_vfork(int (*child)(void *), void *arg)
{
	struct syscall_args args = { { 0 } };

	return fork_with(SYS_vfork, &args, child, arg);
}

long
hosted_clone(unsigned long flags, unsigned long stack, unsigned long ptid,
    unsigned long ctid, unsigned long tls, int (*child)(void *), void *arg)
{
	struct syscall_args args = { { flags, stack, ptid, ctid, tls, 0 } };

	return fork_with(SYS_clone, &args, child, arg);
}

/* Append each reservation site's figures to the file BISCOTTI_MARKS names. */
void
hosted_report_marks(void)
{
	static struct reserve_mark m[256];
	const char *path = getenv("BISCOTTI_MARKS");
	FILE *f;
	int i, n;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	/* One write at fclose: tests running at once append whole lines. */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	n = reserve_marks(m, (int)(sizeof(m) / sizeof(m[0])));
	for (i = 0; i < n && i < 256; i++)
		fprintf(f, "%s %zu %zu %llu\n", m[i].site, m[i].high_water,
		    m[i].bound, (unsigned long long)m[i].overruns);
	fclose(f);
}

/* init's program: the caller's, then the marks report. */
static int
init_prog(void *p)
{
	struct init_call *call = p;
	int status = call->prog(call->arg);

	hosted_report_marks();
	return status;
}

/* The first kernel thread becomes init and never comes back. */
static int
init_main(void *p)
{
	struct uctx *u = uctx_alloc();

	if (u == NULL || proc_init(u) != 0)
		panic("hosted_run_init: no memory for init");
	hosted_uctx_set(u, init_prog, p);
	uctx_enter(u);
}

int
hosted_run_init(const struct hosted_config *cfg, int (*prog)(void *),
    void *arg)
{
	static struct init_call call;

	call.prog = prog;
	call.arg = arg;
	return hosted_boot(cfg, init_main, &call);
}
