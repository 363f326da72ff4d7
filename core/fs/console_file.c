/*
 * The console as an open file: init's fds 0, 1 and 2.  It is the
 * console tty (dev/tty.h): reads and writes go through its line
 * discipline, ioctls to its termios settings.  It has no position
 * (lseek is ESPIPE, as on a tty).
 */
#include "dev/tty.h"
#include "fs/file.h"

static ssize_t
console_file_write(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)off;
	return tty_write(f, uio);
}

static ssize_t
console_file_read(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)off;
	return tty_read(f, uio);
}

static const struct file_ops console_ops = {
	.read = console_file_read,
	.write = console_file_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
};

/*
 * An open of the console tty: it may become the opener's controlling
 * terminal (dev/tty_ctty.c).  O_NOCTTY is honoured when the open path
 * passes it on.
 */
struct file *
console_file_open(unsigned flags)
{
	tty_open(flags);
	return file_alloc(&console_ops, flags, NULL);
}
