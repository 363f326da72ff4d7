/*
 * Formatted output: printk to the console, ksnprintf into a buffer, and
 * panic for broken invariants.  The format language is the C subset the
 * kernel needs: %d %i %u %x %X %o %p %s %c %% with the flags '-', '0',
 * ' ', '+', '#', a field width and precision (numbers or '*'), and the
 * length modifiers hh h l ll z t j.  No floating point.
 *
 * Names avoid libc's (printf, snprintf) so that the hosted bake, which
 * links the host's libc beside the core, never confuses the two.
 */
#ifndef KERN_PRINTK_H
#define KERN_PRINTK_H

#include "kern/types.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printflike(3, 4);
int printk(const char *fmt, ...) __printflike(1, 2);
int vprintk(const char *fmt, va_list ap);

/* Prints "panic: " and the message, then stops every CPU. */
__noreturn void panic(const char *fmt, ...) __printflike(1, 2);

/* Invariant checks; a failed one panics naming the file, line and test. */
#define KASSERT(e) \
	((e) ? (void)0 : panic("assertion \"%s\" failed at %s:%d", #e, \
	    __FILE__, __LINE__))

#endif
