/*
 * Heap reservations, after Biscuit (OSDI'18, section 6).
 *
 * Before a syscall (or any bounded unit of kernel work) takes a lock, it
 * reserves a byte bound of kernel heap with reserve_begin().  That call may
 * wait (later: evict caches, kill a process) until the bound is available,
 * and never fails.  Inside the reservation kmalloc() charges the thread's
 * reservation and never returns NULL, so code inside needs no
 * allocation-failure paths.  reserve_end() returns what was not used.
 *
 * Debug builds check each charge: a thread that allocates beyond its bound
 * is reported with the reservation's site (the syscall's name), the bound
 * and the overshoot; every site's high-water mark is recorded so the bounds
 * table can be measured rather than guessed.
 */
#ifndef MM_RESERVE_H
#define MM_RESERVE_H

#include "kern/debug.h"
#include "kern/types.h"

/* Per-thread reservation state (embedded in struct thread). */
struct reservation {
	size_t bound;		/* bytes reserved (0 is a valid bound) */
	size_t used;		/* bytes charged so far */
	const char *site;	/* who reserved; NULL = none active */
};

void reserve_init(void);

/*
 * Reserve bound bytes for the current thread, waiting until the heap can
 * promise them.  No spinlock may be held.  site names the work (a string
 * with static storage: the marks table keeps the pointer).
 */
void reserve_begin(size_t bound, const char *site);

/* End the current thread's reservation, returning the unused part. */
void reserve_end(void);

/* Charge bytes to the current thread's reservation (called by the heap). */
void reserve_charge(size_t bytes);

/* True when the current thread holds a reservation. */
bool reserve_active(void);

/* Bytes the heap could still promise to new reservations. */
size_t reserve_available(void);

/* Observed peak use per site, for the bounds report. */
struct reserve_mark {
	const char *site;
	size_t bound;		/* largest bound requested at this site */
	size_t high_water;	/* largest `used` seen at reserve_end() */
	uint64_t overruns;	/* reservations that exceeded their bound */
};
/* Copy up to max marks into out; return how many sites exist. */
int reserve_marks(struct reserve_mark *out, int max);

#endif
