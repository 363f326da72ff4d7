/*
 * Epoch-based reclamation: free an object only after every lock-free
 * reader that could still hold a pointer to it has left its read section.
 *
 * A reader brackets its lock-free traversal with epoch_enter() and
 * epoch_leave(); inside, it may follow pointers to objects a writer is
 * concurrently unlinking, and they stay allocated.  A writer that
 * unlinks an object passes it to epoch_retire() instead of freeing it;
 * its free function runs once two epoch advances have happened after the
 * retire (see the essay atop kern/epoch.c).  Sections take no locks,
 * never sleep by themselves and may be preempted: a preempted reader
 * only holds reclamation back.
 *
 * Reclamation is driven by writers: epoch_retire() only queues, and
 * epoch_poll() (the VFS calls it as it drops vfs_lock) tries to advance
 * the epoch and frees what is old enough, a bounded batch per call.  epoch_drain() (tests, shutdown) waits until nothing is pending.
 */
#ifndef KERN_EPOCH_H
#define KERN_EPOCH_H

#include "kern/types.h"

/* Embedded in each object that may be retired. */
struct epoch_entry {
	struct epoch_entry *next;
	uint64_t epoch;			/* the epoch it was retired in */
	void (*free)(struct epoch_entry *e);
};

/* A read section's token, for epoch_leave(). */
typedef uint64_t epoch_token_t;

epoch_token_t epoch_enter(void);
void epoch_leave(epoch_token_t t);

/*
 * Free e (with e->free) once no reader can hold it.  Any context that may
 * take a spinlock; free runs later, from some epoch_poll() caller, with
 * no lock of this facility held (so it must not need the caller's).
 */
void epoch_retire(struct epoch_entry *e, void (*free)(struct epoch_entry *e));

/* Try to advance and free a bounded batch.  Returns how many were freed. */
size_t epoch_poll(void);

/* Wait until every retired object is freed (readers must be leaving). */
void epoch_drain(void);

/* Objects retired and not yet freed. */
size_t epoch_pending(void);

#endif
