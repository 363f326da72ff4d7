/*
 * The one question the wait queues ask of signals: is something
 * deliverable for this thread?  Apart from signal.c so that the
 * scheduler's wait queues, which every program links, do not pull in
 * the rest of the signal code and, through it, the platform's frames.
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"

bool
proc_thread_doomed(const struct proc *p, const struct thread *t)
{
	struct thread *e = __atomic_load_n(&p->exec_thread, __ATOMIC_SEQ_CST);

	return __atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST) ||
	    (e != NULL && e != t);
}

bool
signal_pending_thread(struct thread *t)
{
	struct proc *p = t->proc;

	if (p == NULL)
		return false;
	/* Exiting (or exec ends us), or stopped: the thread must come out. */
	if (proc_thread_doomed(p, t) ||
	    __atomic_load_n(&p->sig.stopped, __ATOMIC_SEQ_CST))
		return true;
	return ((__atomic_load_n(&t->sig.pending, __ATOMIC_SEQ_CST) |
	    __atomic_load_n(&p->sig.pending, __ATOMIC_SEQ_CST)) &
	    ~__atomic_load_n(&t->sig.mask, __ATOMIC_SEQ_CST)) != 0;
}

bool
signal_pending(void)
{
	return signal_pending_thread(curthread());
}
