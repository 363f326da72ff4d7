/*
 * The console as a terminal: its termios settings, window size and
 * controlling session, the terminal ioctls (tty_ioctl(4)) with Linux
 * x86-64's numbers and layouts (dev/tty.c), and the line discipline
 * that input, reads and writes go through (dev/tty_ldisc.c), with the
 * controlling-terminal and job-control rules of credentials(7)
 * (dev/tty_ctty.c).  It is the file behind init's fds 0-2, /dev/console
 * and /dev/tty.
 */
#ifndef DEV_TTY_H
#define DEV_TTY_H

#include "kern/types.h"

struct file;
struct proc;

/* ioctl(2) requests (asm-generic/ioctls.h). */
#define TCGETS		0x5401u
#define TCSETS		0x5402u
#define TCSETSW		0x5403u
#define TCSETSF		0x5404u
#define TCSBRK		0x5409u
#define TCXONC		0x540Au
#define TCFLSH		0x540Bu
#define TIOCSCTTY	0x540Eu
#define TIOCGPGRP	0x540Fu
#define TIOCSPGRP	0x5410u
#define TIOCOUTQ	0x5411u
#define TIOCGWINSZ	0x5413u
#define TIOCSWINSZ	0x5414u
#define FIONREAD	0x541Bu
#define TIOCINQ		FIONREAD
#define TIOCNOTTY	0x5422u
#define TCSBRKP		0x5425u
#define TIOCGSID	0x5429u

/* tcflush(3) and tcflow(3) arguments. */
#define TCIFLUSH	0
#define TCOFLUSH	1
#define TCIOFLUSH	2
#define TCOOFF		0
#define TCOON		1
#define TCIOFF		2
#define TCION		3

/* c_cc indices. */
#define VINTR		0
#define VQUIT		1
#define VERASE		2
#define VKILL		3
#define VEOF		4
#define VTIME		5
#define VMIN		6
#define VSWTC		7
#define VSTART		8
#define VSTOP		9
#define VSUSP		10
#define VEOL		11
#define VREPRINT	12
#define VDISCARD	13
#define VWERASE		14
#define VLNEXT		15
#define VEOL2		16
#define NCCS		19

/* c_iflag */
#define IGNBRK		0000001u
#define BRKINT		0000002u
#define ISTRIP		0000040u
#define INLCR		0000100u
#define IGNCR		0000200u
#define ICRNL		0000400u
#define IXON		0002000u
#define IXANY		0004000u
#define IUTF8		0040000u
/* c_oflag */
#define OPOST		0000001u
#define ONLCR		0000004u
#define OCRNL		0000010u
/* c_cflag */
#define B38400		0000017u
#define CS8		0000060u
#define CREAD		0000200u
#define HUPCL		0002000u
/* c_lflag */
#define ISIG		0000001u
#define ICANON		0000002u
#define ECHO		0000010u
#define ECHOE		0000020u
#define ECHOK		0000040u
#define ECHONL		0000100u
#define NOFLSH		0000200u
#define TOSTOP		0000400u
#define ECHOCTL		0001000u
#define ECHOKE		0004000u
#define IEXTEN		0100000u

/* struct termios as the kernel's TCGETS/TCSETS move it (36 bytes). */
struct termios {
	uint32_t c_iflag;
	uint32_t c_oflag;
	uint32_t c_cflag;
	uint32_t c_lflag;
	uint8_t c_line;
	uint8_t c_cc[NCCS];
};

struct winsize {
	uint16_t ws_row;
	uint16_t ws_col;
	uint16_t ws_xpixel;
	uint16_t ws_ypixel;
};

struct uio;

/* The line discipline's limit on buffered input, as N_TTY's. */
#define TTY_INPUT_MAX	4095

/* The console tty's ioctl: the file op behind ioctl(2) on fds 0-2. */
long tty_ioctl(struct file *f, unsigned cmd, uaddr_t arg);
/* A snapshot of the current settings. */
void tty_termios(struct termios *t);
/* Read and write through the line discipline (dev/tty_ldisc.c). */
ssize_t tty_read(struct file *f, struct uio *uio);
ssize_t tty_write(struct file *f, struct uio *uio);
/* POLLOUT always; POLLIN when a read would not block. */
unsigned tty_poll(struct file *f);

/*
 * The console tty was opened (console_file_open) with open(2)'s flags:
 * a session leader without a controlling terminal that opens it for
 * reading without O_NOCTTY acquires it, and the receive thread starts
 * on the first open.
 */
void tty_open(unsigned flags);

/*
 * For /dev/tty's open: 0 when the console is the caller's controlling
 * terminal, else -ENXIO, the open's error (devfs_open_file()).
 */
int tty_dev_tty_check(void);

/*
 * /proc/PID/stat's tty_nr for p (0: no controlling terminal) and, in
 * *tpgid, its foreground process group (-1).  proc_lock held.
 */
int tty_ctty_of(const struct proc *p, int *tpgid);

/*
 * Process p is exiting (proc_finish): if it is a session leader whose
 * controlling terminal is the console, SIGHUP and SIGCONT go to the
 * foreground group and the session loses the terminal.  proc_lock held.
 */
void tty_session_leader_exit(struct proc *p);

/*
 * The line discipline's input: raw bytes as they arrive, processed at
 * once (signals, echo, line editing).  The console's receive thread
 * calls it with what console_input() delivered; tests call it directly.
 * Returns how many bytes it took: fewer than n only when the input
 * queue is full and a reader will make room (Linux's throttling).
 * Thread context, no spinlock held.
 */
size_t tty_receive(const char *buf, size_t n);

#endif
