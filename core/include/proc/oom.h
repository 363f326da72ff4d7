/*
 * The OOM killer: when eviction cannot meet a reservation, end the
 * process with the largest memory footprint so its memory comes back.
 *
 * One victim at a time: while a victim is dying, oom_kill() kills no
 * other and its callers wait for that one (oom_wait_victim()).  A victim
 * counts as gone once its last thread has dropped its address space
 * (proc_finish() calls oom_proc_released()), which is when its pages
 * return to the page allocator.  init (pid 1) and kernel threads are
 * never chosen.
 */
#ifndef PROC_OOM_H
#define PROC_OOM_H

#include "kern/types.h"

struct proc;

/*
 * Have a victim: true when one was killed now or is still dying, false
 * when no process can be chosen (only init and kernel threads hold
 * memory).  Thread context, no spinlock held.
 */
bool oom_kill(void);

/*
 * Wait (up to timeout_ns) until no victim is dying.  Returns at once
 * when the caller's own process is dying: it must not wait for itself.
 */
void oom_wait_victim(uint64_t timeout_ns);

/* proc_finish(): p has dropped its address space. */
void oom_proc_released(struct proc *p);

/* Processes the OOM killer has ended since boot. */
uint64_t oom_kill_count(void);

/* The current thread belongs to a process that is being torn down. */
bool oom_current_doomed(void);

#endif
