/*
 * Hosted time.
 *
 * Real mode: clock_ns() is CLOCK_MONOTONIC minus the boot instant.  Each
 * vCPU's one-shot timer is a deadline in its struct vcpu; one host timer
 * thread sleeps until the earliest armed deadline, then raises the timer
 * event on every vCPU whose deadline passed (waking it if it idles),
 * exactly once per arming.
 *
 * Virtual mode (deterministic boots, one vCPU): no timer thread.  Time is
 * a counter that each clock_ns() call advances by VIRTUAL_TICK_NS, so a
 * thread spinning on the clock still sees it move, and that an idle vCPU
 * jumps forward to its deadline.  The vCPU itself checks its deadline at
 * each delivery point (hosted_clock_poll), so only the kernel's own
 * execution decides when a timer fires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "contract/clock.h"
#include "vcpu.h"

#define VIRTUAL_TICK_NS	1000

static uint64_t boot_ns;
static uint64_t boot_epoch_ns;		/* host CLOCK_REALTIME at boot_ns */
static bool virtual_clock;
static uint64_t virtual_ns;		/* only the single vCPU touches it */
static pthread_mutex_t timer_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cv;		/* on CLOCK_MONOTONIC */
static bool timer_started;
static uint64_t timer_waits_until;	/* the timer thread's wake-up time; 0: none */

static uint64_t host_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t host_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_boot_epoch_ns(void)
{
	return boot_epoch_ns;
}

uint64_t clock_ns(void)
{
	if (virtual_clock)
		return virtual_ns += VIRTUAL_TICK_NS;
	return host_monotonic_ns() - boot_ns;
}

bool hosted_clock_virtual(void)
{
	return virtual_clock;
}

/* Earliest armed deadline over all vCPUs, 0 when none.  Holds timer_mu. */
static uint64_t earliest_deadline(void)
{
	uint64_t best = 0;
	unsigned i;

	for (i = 0; i < cpu_count(); i++) {
		uint64_t d = hosted_vcpus[i].deadline;

		if (d != 0 && (best == 0 || d < best))
			best = d;
	}
	return best;
}

/* Raise the timer event on every vCPU whose deadline passed.  Holds timer_mu. */
static void fire_expired(uint64_t now)
{
	unsigned i;

	for (i = 0; i < cpu_count(); i++) {
		struct vcpu *v = &hosted_vcpus[i];

		if (v->deadline != 0 && v->deadline <= now) {
			v->deadline = 0;
			hosted_cpu_raise(v, VCPU_EV_TIMER);
		}
	}
}

/* The host timer thread: sleep until the next deadline, fire, repeat. */
static void *timer_main(void *unused)
{
	struct timespec ts;
	uint64_t next, abs_ns;

	pthread_mutex_lock(&timer_mu);
	for (;;) {
		if (hosted_powered_off()) {
			pthread_mutex_unlock(&timer_mu);
			return NULL;
		}
		fire_expired(clock_ns());
		next = earliest_deadline();
		timer_waits_until = next;
		if (next == 0) {
			pthread_cond_wait(&timer_cv, &timer_mu);
			continue;
		}
		abs_ns = next + boot_ns;
		ts.tv_sec = (time_t)(abs_ns / 1000000000u);
		ts.tv_nsec = (long)(abs_ns % 1000000000u);
		pthread_cond_timedwait(&timer_cv, &timer_mu, &ts);
	}
}

/* Only a deadline earlier than the timer thread's next wake-up needs it woken. */
void timer_arm(uint64_t deadline_ns)
{
	struct vcpu *v = hosted_cpu_self();

	if (virtual_clock) {
		v->deadline = deadline_ns;
		return;
	}
	pthread_mutex_lock(&timer_mu);
	v->deadline = deadline_ns;
	if (deadline_ns != 0 &&
	    (timer_waits_until == 0 || deadline_ns < timer_waits_until)) {
		timer_waits_until = deadline_ns;
		pthread_cond_signal(&timer_cv);
	}
	pthread_mutex_unlock(&timer_mu);
}

void hosted_clock_poll(struct vcpu *v)
{
	if (virtual_clock && v->deadline != 0 && virtual_ns >= v->deadline) {
		v->deadline = 0;
		__atomic_or_fetch(&v->pending, VCPU_EV_TIMER, __ATOMIC_RELAXED);
	}
}

bool hosted_clock_skip_to_deadline(struct vcpu *v)
{
	if (v->deadline == 0)
		return false;
	if (virtual_ns < v->deadline)
		virtual_ns = v->deadline;
	hosted_clock_poll(v);
	return true;
}

/* Start the clock at 0, and in real mode the timer thread (boot, once). */
void hosted_clock_init(bool virtual)
{
	pthread_condattr_t ca;
	pthread_t tid;

	boot_ns = host_monotonic_ns();
	/*
	 * Deterministic mode fixes the wall clock too (2026-01-01 00:00
	 * UTC at boot): the kernel seeds its random generator from it, and
	 * ISNs, hash keys and address choices must repeat from run to run.
	 */
	boot_epoch_ns = virtual ? 1767225600ull * 1000000000u :
	    host_realtime_ns();
	virtual_clock = virtual;
	virtual_ns = 0;
	if (virtual || timer_started)
		return;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_cv, &ca);
	pthread_condattr_destroy(&ca);
	timer_started = true;
	if (pthread_create(&tid, NULL, timer_main, NULL) != 0) {
		fprintf(stderr, "hosted_clock_init: cannot start the timer\n");
		abort();
	}
	pthread_detach(tid);
}

/* Wake the timer thread so it sees power-off and ends. */
void hosted_clock_stop(void)
{
	if (!timer_started)
		return;
	pthread_mutex_lock(&timer_mu);
	pthread_cond_signal(&timer_cv);
	pthread_mutex_unlock(&timer_mu);
}
