/*
 * The console as a controlling terminal (credentials(7), tty_ioctl(4)).
 *
 * A session has at most one controlling terminal and a terminal at most
 * one session.  The tty keeps the session (sid) and its foreground
 * process group (pgrp); the process keeps, in proc->ctty, the tenure
 * under which it got the tty: tty.tenure counts the times the tty was
 * given to a session, so taking it away from a whole session is one
 * increment, while one process can still drop it alone (TIOCNOTTY by a
 * member, setsid).  fork copies ctty, so children inherit the terminal;
 * processes that were already in the session when its leader acquired
 * the tty do not get it, as on Linux.
 *
 * Acquiring: a session leader without a controlling terminal gets the
 * tty by opening it for reading without O_NOCTTY, or with TIOCSCTTY
 * (which root may use with argument 1 to steal it from another
 * session).  The kernel
 * opens the console for init (pid 1, a session leader) before init
 * runs, so the console starts out as init's session's controlling
 * terminal with init's group in the foreground: tenure 0, the value a
 * new init's zeroed ctty holds.  (Linux never makes /dev/console a
 * controlling terminal; busybox's sh then says "can't access tty; job
 * control turned off" unless something like getty or cttyhack steps
 * in.  Here `make run`'s shell has job control as on a login tty.)
 *
 * Releasing: TIOCNOTTY by the leader or the leader's exit
 * (tty_session_leader_exit): SIGHUP and SIGCONT go to the foreground
 * group and the session loses the tty, as Linux's disassociate_ctty.
 * A leader that vanishes some other way is noticed lazily
 * (session_check), with no SIGHUP.
 *
 * Job control: a process of the session in a background group that
 * reads the tty gets SIGTTIN, and one that writes with TOSTOP or changes
 * the settings gets SIGTTOU (tty_job_check), as Linux's
 * __tty_check_change decides.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "tty_internal.h"

/*
 * The leader is gone: the session loses the tty.  A live leader always
 * holds the current tenure, so a process that merely reuses the
 * session's number (after setsid) does not count.  proc_lock held.
 */
static void
session_check(void)
{
	struct proc *q;

	if (tty.sid == 0)
		return;
	q = proc_find(tty.sid);
	if (q != NULL && q->pid == tty.sid && q->state == PROC_ALIVE &&
	    !q->exiting && q->ctty == tty.tenure)
		return;
	tty.sid = 0;
	tty.pgrp = 0;
	tty.tenure++;
}

/* Is the tty p's controlling terminal?  proc_lock held. */
static bool
has_ctty(const struct proc *p)
{
	return tty.sid != 0 && p->sid == tty.sid && p->ctty == tty.tenure;
}

/*
 * For /proc/PID/stat: the device number of p's controlling terminal in
 * proc(5)'s tty_nr encoding (the console, 5:1), with the terminal's
 * foreground group in *tpgid; or 0 and -1 without one.  proc_lock held.
 */
int
tty_ctty_of(const struct proc *p, int *tpgid)
{
	session_check();
	if (!has_ctty(p)) {
		*tpgid = -1;
		return 0;
	}
	*tpgid = tty.pgrp;
	return (5 << 8) | 1;
}

/* Make the tty the controlling terminal of p's session.  proc_lock held. */
static void
acquire(struct proc *p)
{
	tty.tenure++;
	tty.sid = p->sid;
	tty.pgrp = p->pgid;
	p->ctty = tty.tenure;
}

/* Send sig to every process of group pgrp (SI_KERNEL).  proc_lock held. */
static void
signal_pgrp(int pgrp, int sig)
{
	struct list *it;
	struct proc *q;

	list_foreach(it, &all_procs) {
		q = list_entry(it, struct proc, all_link);
		if (q->pgid == pgrp)
			signal_send_proc(q, sig, NULL);
	}
}

/*
 * Is group pgid orphaned: does no member have a parent in another group
 * of the same session?  Children of init do not count, as in Linux's
 * will_become_orphaned_pgrp.  proc_lock held.
 */
static bool
pgrp_orphaned(int pgid)
{
	struct list *it;
	struct proc *q, *pp;

	list_foreach(it, &all_procs) {
		q = list_entry(it, struct proc, all_link);
		if (q->pgid != pgid || q->state != PROC_ALIVE)
			continue;
		pp = q->parent;
		if (pp == NULL || pp->pid == 1)
			continue;
		if (pp->pgid != pgid && pp->sid == q->sid)
			return false;
	}
	return true;
}

/* The session of group pgid (or of process pgid), or -1.  proc_lock held. */
static int
session_of(int pgid)
{
	struct list *it;
	struct proc *q;

	list_foreach(it, &all_procs) {
		q = list_entry(it, struct proc, all_link);
		if (q->pgid == pgid)
			return q->sid;
	}
	q = proc_find(pgid);
	return q != NULL && q->pid == pgid ? q->sid : -1;
}

int
tty_job_check(int sig)
{
	struct proc *p = proc_current();
	struct thread *t = curthread();
	int r = 0;

	if (p == NULL)
		return 0;
	spin_lock(&proc_lock);
	session_check();
	if (has_ctty(p) && tty.pgrp != 0 && p->pgid != tty.pgrp) {
		if ((t->sig.mask & SIGBIT(sig)) ||
		    p->sig.act[sig - 1].handler == SIG_IGN)
			r = sig == SIGTTIN ? -EIO : 0;
		else if (pgrp_orphaned(p->pgid))
			r = -EIO;
		else {
			signal_pgrp(p->pgid, sig);
			r = -ERESTARTSYS;
		}
	}
	spin_unlock(&proc_lock);
	return r;
}

void
tty_signal_fg(int sig)
{
	spin_lock(&proc_lock);
	session_check();
	if (tty.pgrp != 0)
		signal_pgrp(tty.pgrp, sig);
	spin_unlock(&proc_lock);
}

void
tty_open(unsigned flags)
{
	struct proc *p = proc_current();

	ldisc_start();
	/* A write-only open gives no terminal, as on Linux since 5.x. */
	if (p == NULL || (flags & O_NOCTTY) || (flags & O_ACCMODE) == O_WRONLY)
		return;
	spin_lock(&proc_lock);
	session_check();
	if (p->pid == p->sid && !has_ctty(p) && tty.sid == 0)
		acquire(p);
	spin_unlock(&proc_lock);
}

int
tty_dev_tty_check(void)
{
	struct proc *p = proc_current();
	bool mine;

	if (p == NULL)
		return -ENXIO;
	spin_lock(&proc_lock);
	session_check();
	mine = has_ctty(p);
	spin_unlock(&proc_lock);
	return mine ? 0 : -ENXIO;
}

/* TIOCSCTTY: arg 1 lets root take the tty from another session. */
static long
set_ctty(struct file *f, uaddr_t arg)
{
	struct proc *p = proc_current();
	bool root = p->cred.euid == 0;

	if (tty.sid == p->sid && p->pid == p->sid)
		return 0;
	if (p->pid != p->sid || has_ctty(p))
		return -EPERM;
	if (tty.sid != 0) {
		if (arg != 1 || !root)
			return -EPERM;
		/* The other session loses it, every member at once. */
		tty.tenure++;
	}
	if ((f->flags & O_ACCMODE) == O_WRONLY && !root)
		return -EPERM;
	acquire(p);
	return 0;
}

/*
 * The session leader gives the tty up for its whole session: hang up
 * the foreground group (SIGCONT too, so a stopped job sees the SIGHUP)
 * and end the tenure, which every member's ctty names.  proc_lock held.
 */
static void
hangup_session(void)
{
	if (tty.pgrp != 0) {
		signal_pgrp(tty.pgrp, SIGHUP);
		signal_pgrp(tty.pgrp, SIGCONT);
	}
	tty.sid = 0;
	tty.pgrp = 0;
	tty.tenure++;
}

/* TIOCNOTTY: a member drops the tty alone; the leader, for everyone. */
static long
drop_ctty(void)
{
	struct proc *p = proc_current();

	if (!has_ctty(p))
		return -ENOTTY;
	if (p->pid != p->sid) {
		p->ctty = CTTY_NONE;
		return 0;
	}
	hangup_session();
	return 0;
}

void
tty_session_leader_exit(struct proc *p)
{
	if (p->pid == p->sid && has_ctty(p))
		hangup_session();
}

/* TIOCSPGRP: a group of the caller's session takes the foreground. */
static long
set_pgrp(int pgid)
{
	struct proc *p = proc_current();
	int sid;

	if (!has_ctty(p))
		return -ENOTTY;
	sid = session_of(pgid);
	if (sid < 0)
		return -ESRCH;
	if (sid != p->sid)
		return -EPERM;
	tty.pgrp = pgid;
	return 0;
}

long
tty_ctty_ioctl(struct file *f, unsigned cmd, uaddr_t arg)
{
	struct proc *p = proc_current();
	int v = 0, pgid = 0;
	long r = 0;

	if (cmd == TIOCSPGRP) {
		/* A background group must not take the foreground. */
		r = tty_job_check(SIGTTOU);
		if (r != 0)
			return r == -EIO ? -ENOTTY : r;
		if (copyin(&pgid, arg, sizeof(pgid)) != 0)
			return -EFAULT;
		if (pgid < 0)
			return -EINVAL;
	}
	spin_lock(&proc_lock);
	session_check();
	switch (cmd) {
	case TIOCSCTTY:
		r = set_ctty(f, arg);
		break;
	case TIOCNOTTY:
		r = drop_ctty();
		break;
	case TIOCSPGRP:
		r = set_pgrp(pgid);
		break;
	case TIOCGPGRP:
		r = has_ctty(p) ? 0 : -ENOTTY;
		v = tty.pgrp;
		break;
	case TIOCGSID:
		r = has_ctty(p) ? 0 : -ENOTTY;
		v = tty.sid;
		break;
	}
	spin_unlock(&proc_lock);
	if (r == 0 && (cmd == TIOCGPGRP || cmd == TIOCGSID) &&
	    copyout(arg, &v, sizeof(v)) != 0)
		r = -EFAULT;
	return r;
}
