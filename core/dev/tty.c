/*
 * The console tty: the settings half of a terminal.  It keeps the
 * termios settings and window size that tcgetattr(3), tcsetattr(3) and
 * TIOCGWINSZ see, with Linux's console defaults (tty_std_termios), and
 * answers the terminal ioctls on the console file (fs/console_file.c):
 * tty_ioctl(4)'s requests, with Linux's numbers, layouts and errnos.
 * The controlling-terminal requests live in tty_ctty.c, the input
 * queue behind FIONREAD and the flushes in tty_ldisc.c.
 *
 * One console means one tty, so the state is a single static object
 * (tty_internal.h has its locking).  Its spinlock is never held across
 * a user copy: ioctls copy through a kernel-stack snapshot.
 */
#include "contract/console.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/console.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "proc/signal.h"
#include "tty_internal.h"

_Static_assert(sizeof(struct termios) == 36, "Linux's kernel termios");
_Static_assert(sizeof(struct winsize) == 8, "Linux's winsize");
_Static_assert(TTY_BUF > TTY_INPUT_MAX, "room for the input queue");

struct tty tty = {
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
	.readers = { SPINLOCK_INIT("tty readers"),
	    LIST_INIT(tty.readers.waiters) },
	.room = { SPINLOCK_INIT("tty receive"), LIST_INIT(tty.room.waiters) },
	.writers = { SPINLOCK_INIT("tty writers"),
	    LIST_INIT(tty.writers.waiters) },
	/* init's session, tenure 0: tty_ctty.c says why. */
	.sid = 1,
	.pgrp = 1,
};

void
tty_termios(struct termios *t)
{
	spin_lock(&tty.lock);
	*t = tty.tio;
	spin_unlock(&tty.lock);
}

/* Discard input not yet read, processed or not (tcflush(TCIFLUSH)). */
static void
flush_input(void)
{
	console_input_flush();
	spin_lock(&tty.lock);
	ldisc_flush();
	spin_unlock(&tty.lock);
	ldisc_wake();
}

static long
tty_setattr(unsigned cmd, uaddr_t arg)
{
	struct termios t, old;
	long r;

	if ((r = tty_job_check(SIGTTOU)) != 0)
		return r;
	if (copyin(&t, arg, sizeof(t)) != 0)
		return -EFAULT;
	/*
	 * TCSETSW waits for output to drain, but console_write() returns
	 * only once the bytes are out: nothing is ever pending.  TCSETSF
	 * also discards input not yet read, as tcflush(TCIFLUSH).
	 */
	if (cmd == TCSETSF)
		flush_input();
	spin_lock(&tty.lock);
	old = tty.tio;
	tty.tio = t;
	ldisc_set_mode(&old);
	spin_unlock(&tty.lock);
	ldisc_wake();
	return 0;
}

/* TIOCSWINSZ: a new size is news for the foreground group (SIGWINCH). */
static long
set_winsize(uaddr_t arg)
{
	struct winsize ws;
	bool changed;

	if (copyin(&ws, arg, sizeof(ws)) != 0)
		return -EFAULT;
	spin_lock(&tty.lock);
	changed = memcmp(&ws, &tty.ws, sizeof(ws)) != 0;
	tty.ws = ws;
	spin_unlock(&tty.lock);
	if (changed)
		tty_signal_fg(SIGWINCH);
	return 0;
}

/*
 * TCXONC: TCOOFF and TCOON stop and restart output, as ^S and ^Q do;
 * TCIOFF and TCION send the terminal the VSTOP or VSTART character.
 */
static long
flow_control(unsigned long arg)
{
	char c;

	switch (arg) {
	case TCOOFF:
	case TCOON:
		spin_lock(&tty.lock);
		tty.stopped = arg == TCOOFF;
		spin_unlock(&tty.lock);
		ldisc_wake();
		return 0;
	case TCIOFF:
	case TCION:
		spin_lock(&tty.lock);
		c = (char)tty.tio.c_cc[arg == TCIOFF ? VSTOP : VSTART];
		spin_unlock(&tty.lock);
		console_write_raw(&c, 1);
		return 0;
	default:
		return -EINVAL;
	}
}

/* TCFLSH, TCXONC, TCSBRK(P): a background group is stopped first. */
static long
tty_control(unsigned cmd, uaddr_t arg)
{
	long r;

	if ((r = tty_job_check(SIGTTOU)) != 0)
		return r;
	switch (cmd) {
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		/* Output is never queued: only input has anything to drop. */
		if (arg != TCOFLUSH)
			flush_input();
		return 0;
	case TCXONC:
		return flow_control(arg);
	default:
		/* A drain (tcdrain(3)): output is always out already. */
		return 0;
	}
}

/* An int for the caller: FIONREAD, TIOCOUTQ. */
static long
put_int(uaddr_t arg, int v)
{
	return copyout(arg, &v, sizeof(v)) != 0 ? -EFAULT : 0;
}

long
tty_ioctl(struct file *f, unsigned cmd, uaddr_t arg)
{
	struct termios t;
	struct winsize ws;
	size_t n;

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
		return set_winsize(arg);
	case FIONREAD:
		spin_lock(&tty.lock);
		n = ldisc_inq();
		spin_unlock(&tty.lock);
		return put_int(arg, (int)n);
	case TIOCOUTQ:
		return put_int(arg, 0);
	case TCFLSH:
	case TCXONC:
	case TCSBRK:
	case TCSBRKP:
		return tty_control(cmd, arg);
	case TIOCSCTTY:
	case TIOCNOTTY:
	case TIOCGPGRP:
	case TIOCSPGRP:
	case TIOCGSID:
		return tty_ctty_ioctl(f, cmd, arg);
	default:
		return -ENOTTY;
	}
}
