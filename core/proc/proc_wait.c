/*
 * Waiting for children: wait4(2) and waitid(2).
 *
 * Both come down to proc_wait(): under proc_lock, scan the caller's
 * children for one that matches the id and the options; reap a zombie
 * (unless WNOWAIT) and report it; else fail with ECHILD when nothing
 * matches at all, return 0 for WNOHANG, or sleep on the caller's
 * child_wq (interruptibly: a signal makes it -ERESTARTSYS) until an
 * exit, a stop or continue, or a reparenting wakes it.  A stopped or
 * continued child (signal.c keeps its unreported status) matches with
 * WUNTRACED/WSTOPPED or WCONTINUED, is reported once, and stays.
 *
 * As on Linux, wait4 sees only children whose exit signal is SIGCHLD,
 * unless __WCLONE asks for the others or __WALL for all.
 */
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "sys/syscall.h"

#define WNOHANG		0x00000001
#define WUNTRACED	0x00000002
#define WSTOPPED	WUNTRACED
#define WEXITED		0x00000004
#define WCONTINUED	0x00000008
#define WNOWAIT		0x01000000
#define __WNOTHREAD	0x20000000
#define __WALL		0x40000000
#define __WCLONE	0x80000000u

#define P_ALL		0
#define P_PID		1
#define P_PGID		2


/* Who to wait for: idtype P_ALL, P_PID or P_PGID, and the id. */
struct wait_req {
	int idtype, id;
	unsigned options;
};

/* What was found. */
struct wait_res {
	int pid;
	int wstatus;
	uint32_t uid;
	uint64_t utime_ns, stime_ns;	/* the child's and its children's */
	uint64_t maxrss_kb;		/* the larger of those two peaks */
	struct acct_counts counts;	/* the child's and its children's */
};

/* Does child c match the request?  proc_lock held. */
static bool
wait_matches(const struct proc *c, const struct wait_req *w)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	if (!(w->options & __WALL) && clone_child != !!(w->options & __WCLONE))
		return false;
	switch (w->idtype) {
	case P_PID:
		return c->pid == w->id;
	case P_PGID:
		return c->pgid == w->id;
	default:
		return true;
	}
}

/*
 * A live child's stop (WUNTRACED/WSTOPPED) or continue (WCONTINUED)
 * not yet reported, as a wait status, or 0.  proc_lock held.
 */
static int
stop_report(const struct proc *c, unsigned options)
{
	int r = c->sig.wait_report;

	if (c->state != PROC_ALIVE || r == 0)
		return 0;
	if (r == W_CONTINUED)
		return (options & WCONTINUED) ? r : 0;
	return (options & WUNTRACED) ? r : 0;
}

/*
 * The wait loop.  Returns the reaped (or, with WNOWAIT, found) child's
 * pid with *res filled, 0 for WNOHANG with none ready, or -ECHILD.
 */
static int
proc_wait(const struct wait_req *w, struct wait_res *res)
{
	struct proc *self = proc_current(), *c, *found;
	struct list *it;
	bool any;

	spin_lock(&proc_lock);
	for (;;) {
		any = false;
		found = NULL;
		list_foreach(it, &self->children) {
			c = list_entry(it, struct proc, sibling);
			if (!wait_matches(c, w))
				continue;
			any = true;
			if (c->state == PROC_ZOMBIE && (w->options & WEXITED)) {
				found = c;
				break;
			}
			if (stop_report(c, w->options) != 0) {
				found = c;
				break;
			}
		}
		if (found != NULL || !any || (w->options & WNOHANG))
			break;
		if (waitq_wait_intr(&self->child_wq, &proc_lock) != 0) {
			spin_unlock(&proc_lock);
			return -ERESTARTSYS;
		}
	}
	if (found == NULL) {
		spin_unlock(&proc_lock);
		return any ? 0 : -ECHILD;
	}
	res->pid = found->pid;
	res->wstatus = found->wstatus;
	res->uid = found->cred.uid;
	/* As Linux: the child's own and its reaped children's times. */
	res->utime_ns = __atomic_load_n(&found->utime_ns, __ATOMIC_RELAXED) +
	    found->cutime_ns;
	res->stime_ns = __atomic_load_n(&found->stime_ns, __ATOMIC_RELAXED) +
	    found->cstime_ns;
	res->maxrss_kb = MAX(found->maxrss_kb, found->cmaxrss_kb);
	res->counts = acct_counts_read(&found->counts);
	acct_counts_add(&res->counts, &found->ccounts);
	if (found->state != PROC_ZOMBIE) {
		/* Stopped or continued: report once, reap nothing. */
		res->wstatus = stop_report(found, w->options);
		if (!(w->options & WNOWAIT))
			found->sig.wait_report = 0;
		spin_unlock(&proc_lock);
		return res->pid;
	}
	if (!(w->options & WNOWAIT)) {
		proc_unlink(found);
		self->cutime_ns += res->utime_ns;
		self->cstime_ns += res->stime_ns;
		self->cmaxrss_kb = MAX(self->cmaxrss_kb, res->maxrss_kb);
		acct_counts_add(&self->ccounts, &res->counts);
	}
	spin_unlock(&proc_lock);
	if (!(w->options & WNOWAIT))
		proc_free(found);
	return res->pid;
}

/* wait4(2): pid > 0, -1 (any), 0 (my group), < -1 (group -pid). */
long
sys_wait4(const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	unsigned options = (unsigned)a->a[2];
	struct wait_req w = { .options = options | WEXITED };
	struct wait_res res;
	char ru[RUSAGE_SIZE];
	int r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
	    __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid > 0) {
		w.idtype = P_PID;
		w.id = pid;
	} else if (pid == 0) {
		w.idtype = P_PGID;
		spin_lock(&proc_lock);
		w.id = proc_current()->pgid;
		spin_unlock(&proc_lock);
	} else if (pid < -1) {
		w.idtype = P_PGID;
		w.id = -pid;
	} else
		w.idtype = P_ALL;
	r = proc_wait(&w, &res);
	if (r <= 0)
		return r;
	if (a->a[1] != 0 && copyout(a->a[1], &res.wstatus, sizeof(int)) != 0)
		return -EFAULT;
	acct_rusage(ru, res.utime_ns, res.stime_ns, res.maxrss_kb,
	    &res.counts);
	if (a->a[3] != 0 && copyout(a->a[3], ru, sizeof(ru)) != 0)
		return -EFAULT;
	return r;
}

/* Linux's siginfo_t for SIGCHLD, 128 bytes. */
struct siginfo_chld {
	int32_t signo, errno_, code, pad;
	int32_t pid;
	uint32_t uid;
	int32_t status;
	char rest[128 - 28];
};

/* Fill a SIGCHLD siginfo from what wait found (zeros when nothing). */
static void
fill_siginfo(struct siginfo_chld *si, const struct wait_res *res, int r)
{
	memset(si, 0, sizeof(*si));
	if (r <= 0)
		return;
	si->signo = SIGCHLD;
	si->pid = res->pid;
	si->uid = res->uid;
	if (res->wstatus == W_CONTINUED) {
		si->code = CLD_CONTINUED;
		si->status = SIGCONT;
	} else if ((res->wstatus & 0xff) == 0x7f) {
		si->code = CLD_STOPPED;
		si->status = (res->wstatus >> 8) & 0xff;
	} else if ((res->wstatus & 0x7f) != 0) {
		si->code = (res->wstatus & W_COREDUMP) ? CLD_DUMPED :
		    CLD_KILLED;
		si->status = res->wstatus & 0x7f;
	} else {
		si->code = CLD_EXITED;
		si->status = (res->wstatus >> 8) & 0xff;
	}
}

/* waitid(2): P_ALL, P_PID, P_PGID; one of WEXITED/WSTOPPED/WCONTINUED. */
long
sys_waitid(const struct syscall_args *a)
{
	struct wait_req w = { .idtype = (int)a->a[0], .id = (int)a->a[1],
	    .options = (unsigned)a->a[3] };
	struct siginfo_chld si;
	struct wait_res res;
	int r;

	if (w.options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED |
	    WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(w.options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (w.idtype == P_PID || w.idtype == P_PGID) {
		if (w.id <= 0)
			return -EINVAL;
	} else if (w.idtype != P_ALL)
		return -EINVAL;
	r = proc_wait(&w, &res);
	if (r < 0)
		return r;
	fill_siginfo(&si, &res, r);
	if (a->a[2] != 0 && copyout(a->a[2], &si, sizeof(si)) != 0)
		return -EFAULT;
	if (a->a[4] != 0) {
		char ru[RUSAGE_SIZE];

		if (r == 0)
			memset(&res, 0, sizeof(res));
		acct_rusage(ru, res.utime_ns, res.stime_ns, res.maxrss_kb,
		    &res.counts);
		if (copyout(a->a[4], ru, sizeof(ru)) != 0)
			return -EFAULT;
	}
	return 0;
}
