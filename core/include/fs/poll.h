/*
 * Waiting for readiness (core/fs/poll.c), for the calls that wait on
 * many files: poll, select and epoll (core/fs/epoll.c).
 *
 * Files report readiness through their poll method and announce changes
 * with poll_notify() (fs/file.h), which bumps one global generation.  A
 * waiter runs a scan callback, and sleeps until the generation moves
 * when the scan found nothing.
 */
#ifndef FS_POLL_H
#define FS_POLL_H

#include "kern/types.h"

#define POLL_FOREVER	UINT64_MAX	/* a deadline that never comes */

/* Fill in results; return how many are ready, or -errno. */
typedef long (*scan_fn)(void *arg);

/*
 * Scan until something is ready, deadline (clock_ns(); POLL_FOREVER for
 * none, 0 for one scan) passes, or a signal comes.  Returns the scan's
 * count, 0 on timeout, or -ERESTARTNOHAND.
 */
long poll_wait(scan_fn scan, void *arg, uint64_t deadline);

struct file;

/*
 * f's readiness in poll bits, the normal-data bits with POLLIN and
 * POLLOUT as Linux's files set them together; a file without a poll
 * method is always ready.
 */
unsigned poll_file(struct file *f);

/* The generation poll_notify() bumps (for edge-triggered epoll). */
uint64_t poll_generation(void);

/*
 * Make every waiter scan again without counting as a file event: for
 * changes to what a waiter watches (epoll_ctl), not to any file.
 */
void poll_rescan(void);

/* A relative timeout in ns as a deadline (saturating). */
uint64_t poll_deadline_after(uint64_t ns);

/*
 * ppoll-style signal masks: install the mask at umask (size must be 8)
 * for a wait, and after it, given the wait's result, put the old one
 * back (or leave that to the signal delivery after -ERESTARTNOHAND).
 */
int poll_swap_sigmask(uaddr_t umask, size_t size);
void poll_restore_sigmask(long r);

#endif
