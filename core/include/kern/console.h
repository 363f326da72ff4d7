/*
 * The console's input side: bytes from console_input() (entry.h) wait in
 * a ring buffer until a reader takes them.  Output is console_write()
 * (contract/console.h) or printk.  The console tty (dev/tty.h) reads
 * the ring through console_read() and edits lines on top of it.
 */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H

#include "kern/types.h"

#define CONSOLE_INPUT_SIZE	4096	/* bytes buffered; more are dropped */

/*
 * Block until input is available, then copy up to n bytes of it into
 * buf.  Returns the number copied (at least 1 when n > 0), or -EINTR
 * when a signal arrives first.  Thread context, no spinlock held.
 */
ssize_t console_read(char *buf, size_t n);
/* Bytes buffered and not yet read (FIONREAD). */
size_t console_input_pending(void);
/* Discard the buffered input (tcflush(TCIFLUSH), TCSETSF). */
void console_input_flush(void);

#endif
