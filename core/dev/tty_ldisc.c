/*
 * The console tty's line discipline, after termios(3) and Linux's N_TTY.
 *
 * Input is processed when it arrives, not when a program reads: the
 * serial interrupt puts raw bytes in the console's ring (kern/console.c)
 * and wakes the receive thread, which hands them to tty_receive(), as
 * Linux's flip buffers are pushed to the line discipline by a worker
 * rather than in the interrupt.  So ^C reaches a program that is busy
 * or asleep elsewhere, and echo (a console_write) happens in thread
 * context.  tty_receive() does, per byte, in N_TTY's order:
 *
 *   - VLNEXT's literal byte, ISTRIP;
 *   - IXON: VSTOP holds writes back until VSTART (or, with IXANY, any
 *     character); echo is never held;
 *   - ISIG: VINTR, VQUIT, VSUSP send SIGINT, SIGQUIT, SIGTSTP to the
 *     foreground group, flush the queue unless NOFLSH, echo as ^C;
 *   - IGNCR, ICRNL, INLCR;
 *   - ICANON: VERASE, VKILL, VWERASE (IEXTEN) edit the line with
 *     ECHOE's and ECHOKE's rubout or ECHOK's newline; VLNEXT and
 *     VREPRINT (IEXTEN); NL, VEOL, VEOL2 (IEXTEN) end the line and
 *     VEOF ends it unechoed (a read at its start returns 0);
 *   - anything else is queued, echoed with ECHOCTL's ^X.
 *
 * The queue holds at most TTY_INPUT_MAX bytes.  When it is full and a
 * read can make room, the receive thread waits for that room; a
 * canonical line that cannot grow drops further bytes but still takes
 * its terminator (N_TTY's rules, roughly).
 *
 * Reads: a whole line in canonical mode; otherwise VMIN and VTIME, in
 * termios(3)'s four cases: MIN 0 TIME 0 polls; MIN 0 TIME t waits up
 * to t tenths for a first byte; MIN m TIME 0 waits for m bytes; MIN m
 * TIME t waits for a first byte, then returns at m bytes or after t
 * tenths without a new one.  Bytes leave the queue through a 256-byte
 * bounce buffer, so two concurrent readers may split a longer line
 * (Linux serialises readers; nothing here needs it yet).  Output goes
 * through OPOST: ONLCR, OCRNL.
 */
#include "contract/clock.h"
#include "contract/console.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/console.h"
#include "kern/errno.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "tty_internal.h"

#define MARK_END	0x100u	/* the last entry of a canonical line */
#define MARK_EOF	0x200u	/* VEOF at a line's start: no data, reads 0 */
#define BOUNCE		256
#define DECISECOND	100000000ull	/* VTIME's unit, in ns */

#define ENTRY(i)	tty.buf[(i) % TTY_BUF]

static size_t
queued(void)
{
	return tty.head - tty.tail;
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Under IUTF8, a continuation byte is part of the character before. */
static bool
is_cont(const struct termios *t, unsigned char c)
{
	return (t->c_iflag & IUTF8) && (c & 0xc0) == 0x80;
}

static bool
is_cc(const struct termios *t, int idx, unsigned char c)
{
	/* _POSIX_VDISABLE (0) disables a special character. */
	return t->c_cc[idx] != 0 && t->c_cc[idx] == c;
}

/* The output column after c, as the terminal moves. */
static unsigned
advance(const struct termios *t, unsigned col, unsigned char c)
{
	if (c == '\r' || (c == '\n' && (t->c_oflag & ONLCR)))
		return 0;
	if (c == '\t')
		return (col | 7) + 1;
	if (c == '\b')
		return col > 0 ? col - 1 : 0;
	return is_ctl(c) || is_cont(t, c) ? col : col + 1;
}

/*
 * Write bytes out with output processing (OPOST: ONLCR, OCRNL) and
 * follow the column.  Callers that echo hold tty.lock; writers do not,
 * and a column raced by both only misplaces a tab's rubout.
 */
static void
out(const struct termios *t, const char *buf, size_t n)
{
	char x[2 * BOUNCE];
	size_t i, k;
	unsigned char c;

	if (!(t->c_oflag & OPOST)) {
		console_write_raw(buf, n);
		return;
	}
	while (n > 0) {
		for (i = 0, k = 0; i < n && k + 2 <= sizeof(x); i++) {
			c = (unsigned char)buf[i];
			if (c == '\n' && (t->c_oflag & ONLCR))
				x[k++] = '\r';
			else if (c == '\r' && (t->c_oflag & OCRNL))
				c = '\n';
			x[k++] = (char)c;
			tty.col = advance(t, tty.col, c);
		}
		console_write_raw(x, k);
		buf += i;
		n -= i;
	}
}

/* Echo c as ECHOCTL would: control characters as ^X, but tab and NL. */
static void
echo_char(const struct termios *t, unsigned char c)
{
	char s[2];

	if ((t->c_lflag & ECHOCTL) && is_ctl(c) && c != '\t' && c != '\n') {
		s[0] = '^';
		s[1] = (char)(c ^ 0100);
		out(t, s, 2);
	} else
		out(t, (const char *)&c, 1);
}

/* The column after echoing [canon, end) from where the line began. */
static unsigned
line_col(const struct termios *t, size_t end)
{
	unsigned col = tty.canon_col;
	size_t i;
	unsigned char c;

	for (i = tty.canon; i != end; i++) {
		c = (unsigned char)ENTRY(i);
		if (c == '\t')
			col = (col | 7) + 1;
		else if (is_ctl(c))
			col += (t->c_lflag & ECHOCTL) ? 2 : 0;
		else if (!is_cont(t, c))
			col++;
	}
	return col;
}

/*
 * Take the last character off the edited line and erase its echo: a
 * whole UTF-8 sequence under IUTF8, a ^X as two columns, a tab back to
 * where it began.  plain: VERASE without ECHOE, which echoes the erase
 * character instead.
 */
static void
rubout(const struct termios *t, bool plain)
{
	unsigned char c;
	unsigned w;

	do {
		c = (unsigned char)ENTRY(--tty.head);
	} while (is_cont(t, c) && tty.head != tty.canon);
	if (!(t->c_lflag & ECHO))
		return;
	if (plain) {
		echo_char(t, t->c_cc[VERASE]);
		return;
	}
	if (c == '\t') {
		for (w = line_col(t, tty.head); tty.col > w;)
			out(t, "\b", 1);
		return;
	}
	if (is_ctl(c) && (t->c_lflag & ECHOCTL))
		out(t, "\b \b", 3);
	if (!is_ctl(c) || (t->c_lflag & ECHOCTL))
		out(t, "\b \b", 3);
}

static bool
is_word(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* VERASE, VWERASE, VKILL on the line being edited. */
static void
erase(const struct termios *t, unsigned char c)
{
	unsigned lf = t->c_lflag;
	bool alnum = false;

	if (is_cc(t, VERASE, c)) {
		if (tty.head != tty.canon)
			rubout(t, !(lf & ECHOE));
		return;
	}
	if (is_cc(t, VWERASE, c) && (lf & IEXTEN)) {
		/* Linux's (and BSD's ALTWERASE) word: after the blanks. */
		while (tty.head != tty.canon) {
			c = (unsigned char)ENTRY(tty.head - 1);
			if (is_word(c))
				alnum = true;
			else if (alnum)
				break;
			rubout(t, false);
		}
		return;
	}
	/* VKILL: the whole line. */
	if ((lf & (ECHO | ECHOE | ECHOK | ECHOKE)) !=
	    (ECHO | ECHOE | ECHOK | ECHOKE)) {
		tty.head = tty.canon;
		if (lf & ECHO) {
			echo_char(t, c);
			if (lf & ECHOK)
				out(t, "\n", 1);
		}
		return;
	}
	while (tty.head != tty.canon)
		rubout(t, false);
}

/* VREPRINT: the kill character's echo, a newline, the line again. */
static void
reprint(const struct termios *t, unsigned char c)
{
	size_t i;

	echo_char(t, c);
	out(t, "\n", 1);
	tty.canon_col = tty.col;
	for (i = tty.canon; i != tty.head; i++)
		echo_char(t, (unsigned char)ENTRY(i));
}

/* Can an entry be queued?  A line keeps one place for its terminator. */
static bool
room_for(const struct termios *t, bool terminator)
{
	size_t max = TTY_INPUT_MAX;

	if ((t->c_lflag & ICANON) && !terminator)
		max--;
	return queued() < max;
}

/* Is there something a read would take? */
static bool
readable(const struct termios *t)
{
	if (t->c_lflag & ICANON)
		return tty.canon != tty.tail;
	return tty.head != tty.tail;
}

/* Full, with a reader to empty it: stop taking input until it does. */
static bool
throttled(const struct termios *t)
{
	return !room_for(t, false) && readable(t);
}

/* Queue an ordinary byte, echoed. */
static void
put(const struct termios *t, unsigned char c)
{
	if (!room_for(t, false))
		return;
	if (t->c_lflag & ECHO) {
		if (tty.canon == tty.head)
			tty.canon_col = tty.col;
		echo_char(t, c);
	}
	ENTRY(tty.head) = c;
	tty.head++;
	if (!(t->c_lflag & ICANON))
		tty.canon = tty.head;
}

/* The edited line is complete: c ends it (NL, VEOL, VEOL2, or VEOF). */
static void
end_line(const struct termios *t, unsigned char c, bool eof)
{
	if (!room_for(t, true))
		return;
	if (eof && tty.head != tty.canon)
		ENTRY(tty.head - 1) |= MARK_END;
	else {
		ENTRY(tty.head) = eof ? (MARK_EOF | MARK_END) : (c | MARK_END);
		tty.head++;
	}
	tty.canon = tty.head;
}

/* The canonical specials; false when c is an ordinary byte. */
static bool
canonical(const struct termios *t, unsigned char c)
{
	unsigned lf = t->c_lflag;

	if (is_cc(t, VERASE, c) || is_cc(t, VKILL, c) ||
	    ((lf & IEXTEN) && is_cc(t, VWERASE, c))) {
		erase(t, c);
		return true;
	}
	if ((lf & IEXTEN) && is_cc(t, VLNEXT, c)) {
		tty.lnext = true;
		/* A ^ under the cursor until the literal byte comes. */
		if ((lf & ECHO) && (lf & ECHOCTL))
			out(t, "^\b", 2);
		return true;
	}
	if ((lf & IEXTEN) && (lf & ECHO) && is_cc(t, VREPRINT, c)) {
		reprint(t, c);
		return true;
	}
	if (c == '\n') {
		if (lf & (ECHO | ECHONL))
			out(t, "\n", 1);
		end_line(t, c, false);
		return true;
	}
	if (is_cc(t, VEOF, c)) {
		end_line(t, c, true);
		return true;
	}
	if (is_cc(t, VEOL, c) || ((lf & IEXTEN) && is_cc(t, VEOL2, c))) {
		if (lf & ECHO)
			echo_char(t, c);
		end_line(t, c, false);
		return true;
	}
	return false;
}

/* The signal c asks for under ISIG, or 0. */
static int
signal_char(const struct termios *t, unsigned char c)
{
	if (!(t->c_lflag & ISIG))
		return 0;
	if (is_cc(t, VINTR, c))
		return SIGINT;
	if (is_cc(t, VQUIT, c))
		return SIGQUIT;
	if (is_cc(t, VSUSP, c))
		return SIGTSTP;
	return 0;
}

/*
 * One byte through the line discipline, tty.lock held.  Returns the
 * signal it raises, for the caller to send without the lock; the rest
 * of the signal's work (flush, echo) is done by finish_signal().
 */
static int
receive_char(const struct termios *t, unsigned char c)
{
	int sig;

	if (t->c_iflag & ISTRIP)
		c &= 0x7f;
	if (tty.lnext) {
		tty.lnext = false;
		put(t, c);	/* its echo covers VLNEXT's ^ */
		return 0;
	}
	/*
	 * Flow control: VSTOP holds output back and VSTART lets it go (the
	 * same character as both toggles, as Linux's n_tty); with IXANY
	 * any other character lets it go too, and is then taken as usual.
	 */
	if ((t->c_iflag & IXON) && is_cc(t, VSTOP, c)) {
		tty.stopped = !(tty.stopped && is_cc(t, VSTART, c));
		return 0;
	}
	if ((t->c_iflag & IXON) && is_cc(t, VSTART, c)) {
		tty.stopped = false;
		return 0;
	}
	if ((t->c_iflag & (IXON | IXANY)) == (IXON | IXANY))
		tty.stopped = false;
	if ((sig = signal_char(t, c)) != 0)
		return sig;
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return 0;
		if (t->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR))
		c = '\r';
	if ((t->c_lflag & ICANON) && canonical(t, c))
		return 0;
	put(t, c);
	return 0;
}

/* After a signal character: flush unless NOFLSH, then echo it. */
static void
finish_signal(unsigned char c)
{
	struct termios *t = &tty.tio;

	if (!(t->c_lflag & NOFLSH))
		ldisc_flush();
	if (t->c_lflag & ECHO)
		echo_char(t, c);
}

size_t
tty_receive(const char *buf, size_t n)
{
	struct termios t;
	size_t i;
	int sig;

	for (i = 0; i < n; i++) {
		spin_lock(&tty.lock);
		t = tty.tio;
		if (throttled(&t)) {
			spin_unlock(&tty.lock);
			break;
		}
		sig = receive_char(&t, (unsigned char)buf[i]);
		spin_unlock(&tty.lock);
		if (sig == 0)
			continue;
		/* Linux's isig: the signal first, then the flush and echo. */
		tty_signal_fg(sig);
		spin_lock(&tty.lock);
		finish_signal((unsigned char)buf[i]);
		spin_unlock(&tty.lock);
	}
	ldisc_wake();
	return i;
}

void
ldisc_flush(void)
{
	tty.tail = tty.canon = tty.head;
	tty.lnext = false;
}

/*
 * ICANON changed (Linux's n_tty_set_termios): line marks are forgotten;
 * input left when canonical mode comes on becomes one line, so typed
 * ahead text is not lost.  tty.lock held, the new settings in place.
 */
void
ldisc_set_mode(const struct termios *old)
{
	size_t i;

	/* Turning IXON off lets held output go, as Linux's n_tty. */
	if ((old->c_iflag & IXON) && !(tty.tio.c_iflag & IXON))
		tty.stopped = false;
	if (!((old->c_lflag ^ tty.tio.c_lflag) & ICANON))
		return;
	for (i = tty.tail; i != tty.head; i++)
		if (!(ENTRY(i) & MARK_EOF))
			ENTRY(i) &= ~MARK_END;
	if ((tty.tio.c_lflag & ICANON) && tty.head != tty.tail)
		ENTRY(tty.head - 1) |= MARK_END;
	tty.canon = tty.head;
	tty.lnext = false;
}

/* FIONREAD: the bytes a read could take now, EOF marks aside. */
size_t
ldisc_inq(void)
{
	size_t i, n = 0, end;

	end = (tty.tio.c_lflag & ICANON) ? tty.canon : tty.head;
	for (i = tty.tail; i != end; i++)
		if (!(ENTRY(i) & MARK_EOF))
			n++;
	return n;
}

void
ldisc_wake(void)
{
	waitq_wake_all(&tty.readers);
	waitq_wake_all(&tty.room);
	waitq_wake_all(&tty.writers);
	poll_notify();
}

/*
 * Move up to max queued bytes into kbuf, tty.lock held.  Canonical mode
 * stops at a line's end (*eol); an EOF mark at the start of a read is
 * taken alone, as end of file.  Other modes skip EOF marks.
 */
static size_t
take(const struct termios *t, char *kbuf, size_t max, bool first, bool *eol)
{
	size_t k = 0;
	uint16_t v;
	bool canon = (t->c_lflag & ICANON) != 0;
	size_t end = canon ? tty.canon : tty.head;

	*eol = false;
	while (tty.tail != end && k < max) {
		v = ENTRY(tty.tail);
		if (v & MARK_EOF) {
			if (canon && !first)
				break;
			tty.tail++;
			if (canon) {
				*eol = true;
				break;
			}
			continue;
		}
		tty.tail++;
		kbuf[k++] = (char)(v & 0xff);
		if (canon && (v & MARK_END)) {
			*eol = true;
			break;
		}
	}
	return k;
}

/*
 * Wait for input, tty.lock held: until deadline (clock_ns(); 0 for
 * none).  0 when woken, -ETIMEDOUT, or -EINTR for a signal.
 */
static int
wait_input(uint64_t deadline)
{
	if (deadline == 0)
		return waitq_wait_intr(&tty.readers, &tty.lock);
	return waitq_wait_deadline_intr(&tty.readers, &tty.lock, deadline);
}

/* A non-canonical read has its VMIN bytes (at least one). */
static bool
raw_done(const struct termios *t, size_t done)
{
	size_t min = t->c_cc[VMIN] != 0 ? t->c_cc[VMIN] : 1;

	return done >= min;
}

ssize_t
tty_read(struct file *f, struct uio *uio)
{
	struct termios t;
	char kbuf[BOUNCE];
	uint64_t deadline = 0, vtime;
	size_t n;
	bool eol = false, timed_out = false;
	int err;

	if ((err = tty_job_check(SIGTTIN)) != 0)
		return err;
	if (uio->resid == 0)
		return 0;
	spin_lock(&tty.lock);
	t = tty.tio;
	vtime = t.c_cc[VTIME] * DECISECOND;
	if (!(t.c_lflag & ICANON) && t.c_cc[VMIN] == 0 && vtime != 0)
		deadline = clock_ns() + vtime;	/* a timer from the start */
	for (;;) {
		t = tty.tio;
		n = take(&t, kbuf, MIN(sizeof(kbuf), uio->resid),
		    uio->done == 0, &eol);
		if (n > 0 || eol) {
			spin_unlock(&tty.lock);
			ldisc_wake();	/* the receive thread may go on */
			if (uio_copyout(uio, kbuf, n) != 0)
				return file_io_result(uio, -EFAULT);
			if (uio->resid == 0 || eol)
				return (ssize_t)uio->done;
			spin_lock(&tty.lock);
			/* VMIN m, VTIME t: t runs again from each byte. */
			if (!(t.c_lflag & ICANON) && t.c_cc[VMIN] != 0 &&
			    vtime != 0)
				deadline = clock_ns() + vtime;
			continue;
		}
		/* Nothing queued: is what was read enough? */
		if (!(t.c_lflag & ICANON) && (raw_done(&t, uio->done) ||
		    timed_out || (t.c_cc[VMIN] == 0 && vtime == 0)))
			break;
		if (f->flags & O_NONBLOCK) {
			if (uio->done == 0) {
				spin_unlock(&tty.lock);
				return -EAGAIN;
			}
			break;
		}
		err = wait_input(uio->done > 0 || t.c_cc[VMIN] == 0 ?
		    deadline : 0);
		if (err == -ETIMEDOUT)
			timed_out = true;
		else if (err != 0) {
			spin_unlock(&tty.lock);
			/* Nothing was read yet: SA_RESTART may re-run it. */
			return uio->done > 0 ? (ssize_t)uio->done :
			    -ERESTARTSYS;
		}
	}
	spin_unlock(&tty.lock);
	return (ssize_t)uio->done;
}

/*
 * Readable when a read would not block: a whole line in canonical
 * mode, else VMIN bytes (one when VTIME is set), as Linux's n_tty_poll.
 */
unsigned
tty_poll(struct file *f)
{
	struct termios t;
	unsigned ev = 0;
	size_t want;

	(void)f;
	spin_lock(&tty.lock);
	t = tty.tio;
	if (!tty.stopped)
		ev |= POLLOUT;
	want = t.c_cc[VTIME] == 0 && t.c_cc[VMIN] != 0 ? t.c_cc[VMIN] : 1;
	if ((t.c_lflag & ICANON) ? tty.canon != tty.tail :
	    queued() >= want)
		ev |= POLLIN;
	spin_unlock(&tty.lock);
	return ev;
}

/*
 * Wait while output is stopped (^S): 0 to go on, else what the write
 * returns -- the bytes written so far, or -EAGAIN (non-blocking), or
 * -ERESTARTSYS for a signal before any byte went out.
 */
static int
wait_output(struct file *f, struct uio *uio)
{
	int err = 0;

	spin_lock(&tty.lock);
	while (tty.stopped && err == 0) {
		if (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK)
			err = -EAGAIN;
		else if (waitq_wait_intr(&tty.writers, &tty.lock) != 0)
			err = -ERESTARTSYS;
	}
	spin_unlock(&tty.lock);
	if (err != 0 && uio->done > 0)
		return (int)uio->done;
	return err;
}

ssize_t
tty_write(struct file *f, struct uio *uio)
{
	struct termios t;
	char buf[BOUNCE];
	size_t n;
	int err;

	tty_termios(&t);
	if ((t.c_lflag & TOSTOP) && (err = tty_job_check(SIGTTOU)) != 0)
		return err;
	while (uio->resid > 0) {
		if ((err = wait_output(f, uio)) != 0)
			return err;
		n = MIN(uio->resid, sizeof(buf));
		if (uio_copyin(buf, n, uio) != 0)
			return file_io_result(uio, -EFAULT);
		tty_termios(&t);
		out(&t, buf, n);
	}
	return (ssize_t)uio->done;
}

/*
 * The receive thread: raw bytes from the console's ring through the
 * line discipline, waiting for room when the queue is full.
 */
static void
receive_main(void *arg)
{
	char raw[128];
	ssize_t n;
	size_t i;

	(void)arg;
	for (;;) {
		n = console_read(raw, sizeof(raw));
		for (i = 0; n > 0 && i < (size_t)n;) {
			i += tty_receive(raw + i, (size_t)n - i);
			if (i == (size_t)n)
				break;
			spin_lock(&tty.lock);
			while (throttled(&tty.tio))
				waitq_wait(&tty.room, &tty.lock);
			spin_unlock(&tty.lock);
		}
	}
}

void
ldisc_start(void)
{
	static bool started;
	struct thread *t;

	if (__atomic_exchange_n(&started, true, __ATOMIC_SEQ_CST))
		return;
	t = thread_create("tty receive", receive_main, NULL);
	if (t == NULL) {
		__atomic_store_n(&started, false, __ATOMIC_SEQ_CST);
		return;
	}
	thread_detach(t);
}
