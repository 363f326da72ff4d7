/*
 * The console as an open file: init's fds 0, 1 and 2 until the tty layer
 * exists.  Writes go to console_write() (serial port, or the host's
 * stderr and the hosted console log); reads block for console input
 * (kern/console.h).  It has no position (lseek is ESPIPE, as on a tty).
 *
 * User bytes pass through a small bounce buffer on the kernel stack:
 * console_write() may not fault, and console_read() holds a spinlock.
 */
#include "contract/console.h"
#include "fs/file.h"
#include "kern/console.h"
#include "kern/errno.h"

#define BOUNCE	256

/* Write the uio to the console in bounce-sized pieces. */
static ssize_t
console_file_write(struct file *f, struct uio *uio, uint64_t *off)
{
	char buf[BOUNCE];
	size_t n;

	(void)f;
	(void)off;
	while (uio->resid > 0) {
		n = MIN(uio->resid, sizeof(buf));
		if (uio_copyin(buf, n, uio) != 0)
			return file_io_result(uio, -EFAULT);
		console_write(buf, n);
	}
	return (ssize_t)uio->done;
}

/* Wait for input, then return what one console_read() gives. */
static ssize_t
console_file_read(struct file *f, struct uio *uio, uint64_t *off)
{
	char buf[BOUNCE];
	ssize_t n;

	(void)f;
	(void)off;
	if (uio->resid == 0)
		return 0;
	n = console_read(buf, MIN(uio->resid, sizeof(buf)));
	if (uio_copyout(uio, buf, (size_t)n) != 0)
		return file_io_result(uio, -EFAULT);
	return (ssize_t)uio->done;
}

/* Always writable; readability would need a peek at the input ring. */
static unsigned
console_file_poll(struct file *f)
{
	(void)f;
	return POLLOUT;
}

static const struct file_ops console_ops = {
	.read = console_file_read,
	.write = console_file_write,
	.poll = console_file_poll,
};

struct file *
console_file_open(unsigned flags)
{
	return file_alloc(&console_ops, flags, NULL);
}
