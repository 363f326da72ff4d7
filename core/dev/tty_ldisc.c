/*
 * The console tty's line discipline: termios input processing (ICRNL,
 * INLCR, IGNCR), canonical line editing (erase, word erase, kill, EOF,
 * whole lines), echo (ECHOCTL's ^X, ECHOE's backspace-space-backspace,
 * ECHOK, ECHOKE, ECHONL), non-canonical reads by VMIN, and output
 * processing (OPOST with ONLCR).
 *
 * Raw bytes wait in the console's input ring (kern/console.c) and are
 * processed here, in the reading thread, as they are taken out of it:
 * console_input() runs in interrupt context, where echoing (a
 * console_write()) is not allowed to happen.  The processed bytes wait
 * in the read queue until a read takes them.  One reader at a time
 * holds rd_lock, which keeps lines whole between concurrent readers.
 */
#include "contract/console.h"
#include "contract/usercopy.h"
#include "dev/tty.h"
#include "fs/file.h"
#include "kern/console.h"
#include "kern/errno.h"
#include "proc/mutex.h"
#include "proc/signal.h"

#define EDIT_MAX	4096	/* N_TTY_BUF_SIZE: longest line */
#define RQ_MAX		8192	/* processed bytes waiting to be read */
#define BOUNCE		256

/* Read queue entries: a byte, maybe ending a line, or an EOF mark. */
#define RQ_END		0x100u	/* the last byte of a canonical line */
#define RQ_EOF		0x200u	/* ^D at the start of a line: read 0 */

static struct mutex rd_lock = {
	SPINLOCK_INIT("tty read lock"), NULL,
	{ SPINLOCK_INIT("tty read lock waiters"), LIST_INIT(rd_lock.wq.waiters) },
	"tty read",
};
static char edit[EDIT_MAX];		/* the line being edited; [rd_lock] */
static size_t edit_len;			/* [rd_lock] */
static uint16_t rq[RQ_MAX];		/* [rd_lock] */
static size_t rq_head, rq_len;		/* [rd_lock] */
static size_t rq_lines;			/* END and EOF entries; [rd_lock] */

/* Write bytes out with output processing (OPOST, ONLCR). */
static void
out(const struct termios *t, const char *buf, size_t n)
{
	char x[2 * BOUNCE];
	size_t i, k;

	if (!(t->c_oflag & OPOST) || !(t->c_oflag & ONLCR)) {
		console_write(buf, n);
		return;
	}
	while (n > 0) {
		for (i = 0, k = 0; i < n && k + 2 <= sizeof(x); i++) {
			if (buf[i] == '\n')
				x[k++] = '\r';
			x[k++] = buf[i];
		}
		console_write(x, k);
		buf += i;
		n -= i;
	}
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Echo c as ECHOCTL would: control characters as ^X, except tab, NL. */
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

/* Take the last character off the edit line, erasing its echo. */
static void
rubout(const struct termios *t)
{
	unsigned char c;
	int w;

	if (edit_len == 0)
		return;
	c = (unsigned char)edit[--edit_len];
	if (!(t->c_lflag & ECHO))
		return;
	if (!(t->c_lflag & ECHOE)) {
		echo_char(t, (unsigned char)t->c_cc[VERASE]);
		return;
	}
	w = ((t->c_lflag & ECHOCTL) && is_ctl(c) && c != '\t') ? 2 : 1;
	while (w-- > 0)
		out(t, "\b \b", 3);
}

static void
rq_push(uint16_t v)
{
	if (rq_len == RQ_MAX)
		return;		/* full: drop, as a full tty buffer does */
	rq[(rq_head + rq_len) % RQ_MAX] = v;
	rq_len++;
	if (v & (RQ_END | RQ_EOF))
		rq_lines++;
}

/* The edit line is complete (newline, EOL or EOF): queue it. */
static void
end_line(void)
{
	size_t i;

	if (edit_len == 0) {
		rq_push(RQ_EOF);
		return;
	}
	for (i = 0; i < edit_len; i++)
		rq_push((uint16_t)((unsigned char)edit[i] |
		    (i + 1 == edit_len ? RQ_END : 0)));
	edit_len = 0;
}

static bool
is_cc(const struct termios *t, int idx, unsigned char c)
{
	/* _POSIX_VDISABLE (0) disables a special character. */
	return t->c_cc[idx] != 0 && t->c_cc[idx] == c;
}

/* One raw input byte through the line discipline. */
static void
input_char(const struct termios *t, unsigned char c)
{
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return;
		if (t->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR))
		c = '\r';

	if (!(t->c_lflag & ICANON)) {
		rq_push(c);
		if (t->c_lflag & ECHO)
			echo_char(t, c);
		return;
	}
	if (is_cc(t, VERASE, c)) {
		rubout(t);
		return;
	}
	if ((t->c_lflag & IEXTEN) && is_cc(t, VWERASE, c)) {
		/* Blanks before the word, then the word (n_tty's rule). */
		while (edit_len > 0 && (edit[edit_len - 1] == ' ' ||
		    edit[edit_len - 1] == '\t'))
			rubout(t);
		while (edit_len > 0 && edit[edit_len - 1] != ' ' &&
		    edit[edit_len - 1] != '\t')
			rubout(t);
		return;
	}
	if (is_cc(t, VKILL, c)) {
		if ((t->c_lflag & (ECHO | ECHOE | ECHOK | ECHOKE)) ==
		    (ECHO | ECHOE | ECHOK | ECHOKE)) {
			while (edit_len > 0)
				rubout(t);
			return;
		}
		edit_len = 0;
		if (t->c_lflag & ECHO) {
			echo_char(t, c);
			if (t->c_lflag & ECHOK)
				out(t, "\n", 1);
		}
		return;
	}
	if (is_cc(t, VEOF, c)) {
		/* Not echoed, not stored: it ends the line as it stands. */
		end_line();
		return;
	}
	if (c == '\n' || is_cc(t, VEOL, c) ||
	    ((t->c_lflag & IEXTEN) && is_cc(t, VEOL2, c))) {
		edit[edit_len++] = (char)c;
		end_line();
		if ((t->c_lflag & ECHO) || (c == '\n' &&
		    (t->c_lflag & ECHONL)))
			echo_char(t, c);
		return;
	}
	/* Keep room for the newline that ends the line, as Linux does. */
	if (edit_len >= EDIT_MAX - 1)
		return;
	edit[edit_len++] = (char)c;
	if (t->c_lflag & ECHO)
		echo_char(t, c);
}

/*
 * Take raw input from the console into the read queue: block for it
 * when wait, else only what is already there.  Returns 0, -EAGAIN when
 * there was nothing to take and !wait, or -EINTR from a signal.
 */
static int
pull(bool wait)
{
	char raw[BOUNCE];
	struct termios t;
	ssize_t n, i;

	if (!wait && console_input_pending() == 0)
		return -EAGAIN;
	/* Leave room in the read queue for what is read now. */
	n = console_read(raw, MIN(sizeof(raw), RQ_MAX - rq_len + 1));
	if (n < 0)
		return (int)n;
	for (i = 0; i < n; i++) {
		tty_termios(&t);
		input_char(&t, (unsigned char)raw[i]);
	}
	return 0;
}

/* Is a read satisfied by what the queue holds? */
static bool
ready(const struct termios *t, size_t resid)
{
	if (t->c_lflag & ICANON)
		return rq_lines > 0;
	return rq_len >= MIN((size_t)t->c_cc[VMIN], resid) && rq_len > 0;
}

ssize_t
tty_read(struct file *f, struct uio *uio)
{
	struct termios t;
	char buf[BOUNCE];
	size_t k;
	uint16_t v;
	bool stop = false;
	int err;

	if (uio->resid == 0)
		return 0;
	mutex_lock(&rd_lock);
	for (;;) {
		tty_termios(&t);
		if (ready(&t, uio->resid))
			break;
		if (!(t.c_lflag & ICANON) && t.c_cc[VMIN] == 0) {
			/* VMIN 0, VTIME 0: whatever is there, maybe nothing. */
			while (pull(false) == 0)
				;
			break;
		}
		err = pull(!(f->flags & O_NONBLOCK));
		/* Non-blocking and short of VMIN: what there is, if any. */
		if (err == -EAGAIN && !(t.c_lflag & ICANON) && rq_len > 0)
			break;
		if (err != 0) {
			mutex_unlock(&rd_lock);
			/* Nothing was read yet: SA_RESTART may re-run it. */
			return err == -EINTR ? -ERESTARTSYS : err;
		}
	}
	while (!stop && uio->resid > 0 && rq_len > 0) {
		for (k = 0; k < sizeof(buf) && k < uio->resid && rq_len > 0;) {
			v = rq[rq_head];
			if ((v & RQ_EOF) && (k > 0 || uio->done > 0)) {
				stop = true;
				break;
			}
			rq_head = (rq_head + 1) % RQ_MAX;
			rq_len--;
			if (v & (RQ_EOF | RQ_END))
				rq_lines--;
			if (v & RQ_EOF) {
				stop = true;
				break;
			}
			buf[k++] = (char)(v & 0xff);
			if ((v & RQ_END) && (t.c_lflag & ICANON)) {
				stop = true;
				break;
			}
		}
		if (uio_copyout(uio, buf, k) != 0) {
			mutex_unlock(&rd_lock);
			return file_io_result(uio, -EFAULT);
		}
	}
	mutex_unlock(&rd_lock);
	return (ssize_t)uio->done;
}

/*
 * Readable when a read would not block: a whole line in canonical mode,
 * a byte otherwise (VMIN 0 is always readable, as on Linux).  Pending
 * raw input is processed first, echo included.  A thread already in
 * read holds rd_lock and will take whatever arrives, so for the others
 * nothing is readable until it is done.
 */
unsigned
tty_poll(struct file *f)
{
	struct termios t;
	unsigned ev = POLLOUT;

	(void)f;
	if (!mutex_trylock(&rd_lock))
		return ev;
	while (pull(false) == 0)
		;
	tty_termios(&t);
	if (ready(&t, 1) || (!(t.c_lflag & ICANON) && t.c_cc[VMIN] == 0))
		ev |= POLLIN;
	mutex_unlock(&rd_lock);
	return ev;
}

ssize_t
tty_write(struct file *f, struct uio *uio)
{
	struct termios t;
	char buf[BOUNCE];
	size_t n;

	(void)f;
	while (uio->resid > 0) {
		n = MIN(uio->resid, sizeof(buf));
		if (uio_copyin(buf, n, uio) != 0)
			return file_io_result(uio, -EFAULT);
		tty_termios(&t);
		out(&t, buf, n);
	}
	return (ssize_t)uio->done;
}
