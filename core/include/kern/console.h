/*
 * The console's input side: bytes from console_input() (entry.h) wait in
 * a ring buffer until a reader takes them.  Output is console_write()
 * (contract/console.h) or printk.  The tty layer comes later, on top.
 */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H

#include "kern/types.h"

#define CONSOLE_INPUT_SIZE	4096	/* bytes buffered; more are dropped */

/*
 * Block until input is available, then copy up to n bytes of it into
 * buf.  Returns the number copied (at least 1 when n > 0).  Thread
 * context, no spinlock held.
 */
ssize_t console_read(char *buf, size_t n);

#endif
