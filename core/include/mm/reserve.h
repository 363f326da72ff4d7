/*
 * Heap reservations, after Biscuit (OSDI'18, section 6).
 *
 * Before a syscall (or any bounded unit of kernel work) takes a lock, it
 * reserves a byte bound of kernel heap with reserve_begin().  That call may
 * evict caches, have the OOM killer end a process (proc/oom.h) and wait
 * until the bound is available, and never fails.  Inside the reservation kmalloc() charges the thread's
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

/*
 * As reserve_begin(), for work whose point is to free memory (the block
 * cache's write-back of dirty buffers, so they can be evicted): it may
 * take half of the emergency margin, and it neither evicts nor invokes
 * the OOM killer; it waits only when even the margin is short.  Memory
 * reclaim must never wait behind the shortage it is there to end.
 */
void reserve_begin_reclaim(size_t bound, const char *site);

/* End the current thread's reservation, returning the unused part. */
void reserve_end(void);

/*
 * End the current reservation and begin another of the same site and
 * bound: a unit of work whose heap use grows with its arguments (a long
 * read, many iovecs, a daemon's next packet) reserves per chunk.  Call it
 * where no spinlock (and no lock another thread needs to free memory) is
 * held; it may wait for the heap there, as reserve_begin() does.
 */
void reserve_renew(void);

/* Charge bytes to the current thread's reservation (called by the heap). */
void reserve_charge(size_t bytes);

/* True when the current thread holds a reservation. */
bool reserve_active(void);

/* Bytes the heap could still promise to new reservations. */
size_t reserve_available(void);

/*
 * A reservation inside another, for a page fault taken by a syscall's
 * copyin/copyout: the current reservation is saved in *saved and a new
 * one of bound bytes replaces it, so the fault's allocations are not
 * charged to the syscall's bound.  Never waits (the syscall may hold
 * mutexes): it may use half of the emergency margin, and returns false
 * (nothing changed) when even that cannot cover bound.
 * reserve_nested_end() ends the inner reservation and restores *saved.
 */
bool reserve_nested_begin(size_t bound, const char *site,
    struct reservation *saved);
void reserve_nested_end(const struct reservation *saved);

/*
 * The shortage policy once, for a caller that holds no lock or
 * reservation and could not get bytes of memory: evict caches; when
 * nothing is evictable, have the OOM killer end a process and wait for
 * its memory (or for the victim already dying).  Returns when something
 * may have been freed; the caller retries.
 */
void reserve_shortage(size_t bytes);

/* Wake threads waiting for room (memory came back outside reserve_end). */
void reserve_wake(void);

/* Shortage counters, as /proc/meminfo shows them. */
struct reserve_stats {
	uint64_t waits;		/* reserve_begin()s that could not go at once */
	uint64_t evictions;	/* eviction rounds that freed something */
	uint64_t evicted_pages;	/* pages those rounds freed */
	uint64_t oom_kills;	/* processes the OOM killer ended */
};
void reserve_get_stats(struct reserve_stats *out);

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
