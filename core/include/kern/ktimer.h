/*
 * Kernel timers (core/kern/ktimer.c): run a function at a clock_ns()
 * time, for protocol timers (TCP retransmission, delayed ACK, keepalive,
 * TIME_WAIT; ARP entry ageing; IP reassembly), write-back ages and
 * journal commit intervals.
 *
 * Expired timers run in one kernel thread ("softclock"), in deadline
 * order, with no lock of the timer module held, so a callback may take
 * sleeping locks, arm timers (itself too) and allocate (it runs inside
 * a reservation of KTIMER_RESERVE bytes per callback).  Cancelling
 * returns whether the timer was still pending; a callback already
 * running may still be running after ktimer_cancel() returns, so an
 * owner freeing its object calls ktimer_cancel_sync().
 */
#ifndef KERN_KTIMER_H
#define KERN_KTIMER_H

#include "kern/types.h"
#include "lib/rbtree.h"

/* Heap one callback may use (its reservation's bound). */
#define KTIMER_RESERVE	(16 * 1024)

struct ktimer {
	void (*fn)(void *arg);
	void *arg;
	/* The module's, below. */
	uint64_t deadline;		/* clock_ns(); valid while armed */
	uint64_t seq;			/* ties: arming order */
	struct rb_node node;		/* the pending set, by deadline */
	int state;
};

/* Set up t to call fn(arg); it starts disarmed. */
void ktimer_init(struct ktimer *t, void (*fn)(void *arg), void *arg);
/* (Re)arm t for absolute clock_ns() time deadline; any context. */
void ktimer_arm(struct ktimer *t, uint64_t deadline);
/* Disarm t: true when it was pending (then fn will not run). */
bool ktimer_cancel(struct ktimer *t);
/* Disarm t and wait until fn is not running (not from fn itself). */
void ktimer_cancel_sync(struct ktimer *t);
bool ktimer_pending(const struct ktimer *t);
/* Start the softclock thread (core_main, once the scheduler is up). */
void ktimer_start(void);

#endif
