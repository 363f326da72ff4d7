/*
 * Hosted signal frames (contract/uctx.h).
 *
 * No user machine code runs here, so a handler is a C function that is
 * simply called: uctx_signal_frame() pushes what rt_sigreturn must bring
 * back (the result register, the mask, a pending restart) onto a small
 * stack in the uctx with the handler and the siginfo; hosted_syscall6()
 * (harness.c) then calls the handler with the siginfo in kernel memory
 * (hosted programs read host memory directly anyway) and issues
 * rt_sigreturn itself, as the SA_RESTORER trampoline would.  (The call
 * is made there, not here, so that this file needs nothing of the
 * harness, which would drag the whole syscall table into every test.)
 * The core cannot tell the difference: the mask, the EINTR/restart
 * decision and the nesting follow the same rules as on x86_64.
 *
 * A restart is recorded, not performed: hosted_syscall6() (harness.c)
 * runs the call again when the delivery asked for it.
 */
#include "contract/uctx.h"
#include "hosted.h"
#include "kern/errno.h"
#include "proc/signal.h"

typedef void (*hosted_handler)(int, void *, void *);

long
uctx_retval(const struct uctx *u)
{
	return *hosted_uctx_rax((struct uctx *)u);
}

void
uctx_set_retval(struct uctx *u, long v)
{
	*hosted_uctx_rax(u) = v;
}

uaddr_t
uctx_stack_pointer(const struct uctx *u)
{
	return *hosted_uctx_sp((struct uctx *)u);
}

void
uctx_restart_syscall(struct uctx *u, long nr)
{
	(void)nr;
	hosted_uctx_sigstate(u)->restart = true;
}

int
uctx_signal_frame(struct uctx *u, const struct sigframe_req *req)
{
	struct hosted_sigstate *st = hosted_uctx_sigstate(u);
	int d;

	if (!(req->act.flags & SA_RESTORER) || st->depth == HOSTED_SIGFRAMES)
		return -EFAULT;
	d = st->depth++;
	st->frames[d].rax = *hosted_uctx_rax(u);
	st->frames[d].mask = req->oldmask;
	st->frames[d].restart = st->restart;
	st->frames[d].handler = (hosted_handler)req->act.handler;
	st->frames[d].signo = req->signo;
	st->frames[d].ran = false;
	signal_siginfo(st->frames[d].info, req->signo, &req->info);
	st->restart = false;
	return 0;
}

int
uctx_sigreturn(struct uctx *u, uint64_t *mask, long *rax)
{
	struct hosted_sigstate *st = hosted_uctx_sigstate(u);
	int d;

	if (st->depth == 0)
		return -EFAULT;
	d = --st->depth;
	*mask = st->frames[d].mask;
	*rax = st->frames[d].rax;
	*hosted_uctx_rax(u) = *rax;
	st->restart = st->frames[d].restart;
	return 0;
}
