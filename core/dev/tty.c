/*
 * The console tty: the settings half of a terminal.  It keeps the
 * termios settings and window size that tcgetattr(3), tcsetattr(3) and
 * TIOCGWINSZ see, with Linux's console defaults (tty_std_termios), and
 * answers the terminal ioctls on the console file (fs/console_file.c).
 *
 * One console means one tty, so the state is a single static object.
 * Its spinlock is the one the input path will take in interrupt
 * context, so it is never held across a user copy (which may fault and
 * sleep): ioctls copy through a kernel-stack snapshot.
 */
#include "contract/usercopy.h"
#include "dev/tty.h"
#include "fs/file.h"
#include "kern/console.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "proc/spinlock.h"

_Static_assert(sizeof(struct termios) == 36, "Linux's kernel termios");
_Static_assert(sizeof(struct winsize) == 8, "Linux's winsize");

static struct {
	struct spinlock lock;
	struct termios tio;	/* [lock] */
	struct winsize ws;	/* [lock] */
	int sid;		/* [proc_lock] session it controls, or 0 */
	int pgrp;		/* [proc_lock] its foreground group */
} tty = {
	.lock = SPINLOCK_INIT("console tty"),
	.tio = {
		.c_iflag = ICRNL | IXON,
		.c_oflag = OPOST | ONLCR,
		.c_cflag = B38400 | CS8 | CREAD | HUPCL,
		.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
		    ECHOKE | IEXTEN,
		/* Linux's INIT_C_CC: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1... */
		.c_cc = {
			[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177,
			[VKILL] = 025, [VEOF] = 004, [VTIME] = 0, [VMIN] = 1,
			[VSWTC] = 0, [VSTART] = 021, [VSTOP] = 023,
			[VSUSP] = 032, [VEOL] = 0, [VREPRINT] = 022,
			[VDISCARD] = 017, [VWERASE] = 027, [VLNEXT] = 026,
			[VEOL2] = 0,
		},
	},
	/* A serial line has no size of its own; 80x24 is what VT100s had. */
	.ws = { .ws_row = 24, .ws_col = 80 },
};

void
tty_termios(struct termios *t)
{
	spin_lock(&tty.lock);
	*t = tty.tio;
	spin_unlock(&tty.lock);
}

static long
tty_setattr(unsigned cmd, uaddr_t arg)
{
	struct termios t;

	if (copyin(&t, arg, sizeof(t)) != 0)
		return -EFAULT;
	/*
	 * TCSETSW waits for output to drain, but console_write() returns
	 * only once the bytes are out: nothing is ever pending.  TCSETSF
	 * also discards input not yet read, as tcflush(TCIFLUSH).
	 */
	if (cmd == TCSETSF)
		console_input_flush();
	spin_lock(&tty.lock);
	tty.tio = t;
	spin_unlock(&tty.lock);
	return 0;
}

/*
 * The controlling-terminal requests (credentials(7), tty_ioctl(4)).
 * With one terminal, a session has it as its controlling terminal
 * exactly when tty.sid is that session.
 */
static long
tty_ctty(unsigned cmd, uaddr_t arg)
{
	struct proc *p = proc_current();
	int v = 0, pgid = 0;
	long r = 0;

	if (cmd == TIOCSPGRP) {
		if (copyin(&pgid, arg, sizeof(pgid)) != 0)
			return -EFAULT;
		if (pgid < 0)
			return -EINVAL;
	}
	spin_lock(&proc_lock);
	if (cmd == TIOCSCTTY) {
		/* Only a session leader, and not from another session. */
		if (tty.sid == p->sid)
			r = 0;
		else if (p->pid != p->sid || tty.sid != 0)
			r = -EPERM;
		else {
			tty.sid = p->sid;
			tty.pgrp = p->pgid;
		}
	} else if (tty.sid == 0 || tty.sid != p->sid)
		r = -ENOTTY;
	else if (cmd == TIOCGPGRP)
		v = tty.pgrp;
	else if (cmd == TIOCGSID)
		v = tty.sid;
	else if (cmd == TIOCSPGRP) {
		if (!proc_group_exists(pgid, -1))
			r = -ESRCH;
		else if (!proc_group_exists(pgid, p->sid))
			r = -EPERM;
		else
			tty.pgrp = pgid;
	} else if (cmd == TIOCNOTTY && p->pid == p->sid) {
		/* The leader gives it up for the whole session. */
		tty.sid = 0;
		tty.pgrp = 0;
	}
	spin_unlock(&proc_lock);
	if (r == 0 && (cmd == TIOCGPGRP || cmd == TIOCGSID) &&
	    copyout(arg, &v, sizeof(v)) != 0)
		r = -EFAULT;
	return r;
}

long
tty_ioctl(struct file *f, unsigned cmd, uaddr_t arg)
{
	struct termios t;
	struct winsize ws;
	int n;

	(void)f;
	switch (cmd) {
	case TCGETS:
		tty_termios(&t);
		return copyout(arg, &t, sizeof(t)) != 0 ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return tty_setattr(cmd, arg);
	case TIOCGWINSZ:
		spin_lock(&tty.lock);
		ws = tty.ws;
		spin_unlock(&tty.lock);
		return copyout(arg, &ws, sizeof(ws)) != 0 ? -EFAULT : 0;
	case TIOCSWINSZ:
		if (copyin(&ws, arg, sizeof(ws)) != 0)
			return -EFAULT;
		spin_lock(&tty.lock);
		tty.ws = ws;
		spin_unlock(&tty.lock);
		return 0;
	case FIONREAD:
		n = (int)console_input_pending();
		return copyout(arg, &n, sizeof(n)) != 0 ? -EFAULT : 0;
	case TIOCSCTTY:
	case TIOCNOTTY:
	case TIOCGPGRP:
	case TIOCSPGRP:
	case TIOCGSID:
		return tty_ctty(cmd, arg);
	default:
		return -ENOTTY;
	}
}
