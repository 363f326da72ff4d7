/*
 * The console tty's state, shared by the three files that make it up:
 * tty.c (settings and the ioctls), tty_ctty.c (controlling terminal and
 * job control) and tty_ldisc.c (the line discipline).
 *
 * Locking.  lock, a spinlock, guards the settings and the input queue:
 * the receive side takes it for every byte and must never sleep behind
 * a reader, so nothing holds it across a user copy (which may fault and
 * sleep).  The session fields belong to proc_lock, like the process
 * tree they point into.  The two are never nested: code that needs both
 * (a ^C: signal the foreground group, then flush) takes one after the
 * other.
 */
#ifndef DEV_TTY_INTERNAL_H
#define DEV_TTY_INTERNAL_H

#include "dev/tty.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"

/* Input queue entries: a power of two above TTY_INPUT_MAX. */
#define TTY_BUF		4096

struct tty {
	struct spinlock lock;
	struct termios tio;		/* [lock] */
	struct winsize ws;		/* [lock] */
	/*
	 * The input queue, a ring of entries indexed by free-running
	 * counters: [tail, canon) holds complete lines, [canon, head) the
	 * line being edited.  Outside canonical mode all of [tail, head)
	 * is readable.  An entry is a byte, perhaps with a mark.
	 */
	uint16_t buf[TTY_BUF];		/* [lock] */
	size_t tail;			/* [lock] the next entry to read */
	size_t canon;			/* [lock] end of the complete lines */
	size_t head;			/* [lock] end of the input */
	bool lnext;			/* [lock] VLNEXT: next byte literal */
	unsigned col;			/* [lock] output column, for tabs */
	unsigned canon_col;		/* [lock] where the edited line began */
	bool stopped;			/* [lock] output held: ^S (IXON), TCOOFF */
	struct waitq readers;		/* reads waiting for input */
	struct waitq writers;		/* writes waiting for ^Q or TCOON */
	struct waitq room;		/* the receive thread, for space */
	/*
	 * The controlling session, its foreground group, and its tenure:
	 * a count of the times the tty was given to a session.  A process
	 * has the tty as its controlling terminal when its session is sid
	 * and its ctty (proc.h) holds the current tenure (tty_ctty.c).
	 */
	int sid;			/* [proc_lock] 0: no session */
	int pgrp;			/* [proc_lock] 0: none */
	int tenure;			/* [proc_lock] */
};

extern struct tty tty;

/* tty_ldisc.c, tty.lock held: mode change, flush, FIONREAD. */
void ldisc_set_mode(const struct termios *old);
void ldisc_flush(void);
size_t ldisc_inq(void);
/* Readers, the receive thread and poll may look again.  No lock held. */
void ldisc_wake(void);
/* Start the receive thread once (the first open). */
void ldisc_start(void);

/* tty_ctty.c */
/*
 * Linux's tty_check_change: the caller, in a background group of the
 * session the tty controls, may not use it for sig's purpose (SIGTTIN:
 * read; SIGTTOU: write with TOSTOP, change settings).  0 to go ahead,
 * -ERESTARTSYS once sig went to its group, -EIO when the group is
 * orphaned (or, for SIGTTIN, the signal is ignored or blocked).
 */
int tty_job_check(int sig);
/* Send sig to the foreground group, if any.  No lock held. */
void tty_signal_fg(int sig);
/* TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID. */
long tty_ctty_ioctl(struct file *f, unsigned cmd, uaddr_t arg);

#endif
