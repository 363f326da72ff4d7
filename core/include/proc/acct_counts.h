/*
 * The event counts getrusage(2) reports beside the CPU times, kept per
 * thread, per process (its threads, live and exited) and for a
 * process's reaped children (proc/acct.h has the functions).
 */
#ifndef PROC_ACCT_COUNTS_H
#define PROC_ACCT_COUNTS_H

#include "kern/types.h"

struct acct_counts {
	uint64_t minflt;	/* page faults resolved (no I/O here) */
	uint64_t nvcsw;		/* switches away because the thread slept */
	uint64_t nivcsw;	/* switches away while it could still run */
};

#endif
