/*
 * Hosted virtual CPUs.  Each vCPU is a host pthread; cpu_id() comes from a
 * thread-local pointer, which the kernel thread running on that pthread
 * reads afresh at every call (kernel threads migrate between pthreads, so
 * nothing may cache it across a context switch).
 *
 * Interrupts are simulated.  Host threads (the timer thread, other vCPUs
 * kicking) set bits in a vCPU's `pending` word; the vCPU itself delivers
 * them by calling the core's entry points with its interrupt flag cleared,
 * but only at delivery points: when interrupts get enabled (intr_enable(),
 * intr_restore()), at cpu_poll() and in cpu_idle().  Host signals would
 * interrupt anywhere, including inside the sanitizers' runtime, which is
 * why events wait for the kernel to reach one of those points.
 *
 * cpu_idle() sleeps on the vCPU's condition variable until a bit is
 * pending.  A raiser sets the bit before taking the same mutex to signal,
 * and the idler tests the bits under that mutex, so no wakeup is lost.
 * In deterministic mode (a virtual clock, see clock.c) the vCPU raises
 * its own timer event at the delivery points instead.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "contract/entry.h"
#include "vcpu.h"

struct vcpu hosted_vcpus[HOSTED_CPU_MAX];
static unsigned vcpu_count = 1;
static __thread struct vcpu *vcpu_self;

/* Set up the state of n vCPUs; host threads come with cpu_start(). */
void hosted_cpus_init(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		hosted_vcpus[i].id = i;
		hosted_vcpus[i].intr_on = false;
		hosted_vcpus[i].pending = 0;
		pthread_mutex_init(&hosted_vcpus[i].idle_mu, NULL);
		pthread_cond_init(&hosted_vcpus[i].idle_cv, NULL);
	}
	vcpu_count = n;
}

void hosted_cpu_bind(unsigned id)
{
	vcpu_self = &hosted_vcpus[id];
}

struct vcpu *hosted_cpu_self(void)
{
	struct vcpu *v = vcpu_self;

	return v != NULL ? v : &hosted_vcpus[0];
}

unsigned cpu_id(void)
{
	return hosted_cpu_self()->id;
}

unsigned cpu_count(void)
{
	return vcpu_count;
}

/*
 * Run the core's handlers for whatever is pending, with the interrupt flag
 * cleared as on hardware.  Caller: the vCPU itself, interrupts enabled.
 */
static void deliver(struct vcpu *v)
{
	unsigned ev;

	if (hosted_powered_off())
		hosted_park();
	if (v->delivering)
		return;
	while ((ev = __atomic_exchange_n(&v->pending, 0, __ATOMIC_ACQ_REL))
	    != 0) {
		v->intr_on = false;
		v->delivering = true;
		if (ev & VCPU_EV_TIMER)
			core_timer_interrupt();
		if (ev & VCPU_EV_KICK)
			core_cpu_kicked();
		if (ev & VCPU_EV_DEVICE)
			hosted_irq_deliver();
		v->delivering = false;
		v->intr_on = true;
	}
}

unsigned long intr_save(void)
{
	struct vcpu *v = hosted_cpu_self();
	unsigned long was = v->intr_on;

	v->intr_on = false;
	return was;
}

void intr_restore(unsigned long state)
{
	if (state)
		intr_enable();
	else
		intr_disable();
}

void intr_enable(void)
{
	struct vcpu *v = hosted_cpu_self();

	v->intr_on = true;
	hosted_clock_poll(v);
	if (__atomic_load_n(&v->pending, __ATOMIC_RELAXED) != 0)
		deliver(v);
}

void intr_disable(void)
{
	hosted_cpu_self()->intr_on = false;
}

bool intr_enabled(void)
{
	return hosted_cpu_self()->intr_on;
}

/*
 * With a virtual clock nothing but this vCPU raises events, so instead of
 * sleeping it jumps time to its deadline.  With no deadline it would wait
 * forever: every thread is asleep with nothing to wake it.
 */
static void idle_virtual(struct vcpu *v)
{
	if (__atomic_load_n(&v->pending, __ATOMIC_RELAXED) != 0 ||
	    hosted_clock_skip_to_deadline(v))
		return;
	fprintf(stderr, "cpu_idle: deterministic boot deadlocked: every "
	    "thread sleeps and no timer is armed\n");
	abort();
}

/* Sleep until an event is pending, then deliver it (interrupts stay off). */
void cpu_idle(void)
{
	struct vcpu *v = hosted_cpu_self();
	unsigned ev;

	if (hosted_clock_virtual())
		idle_virtual(v);
	pthread_mutex_lock(&v->idle_mu);
	while (__atomic_load_n(&v->pending, __ATOMIC_ACQUIRE) == 0 &&
	    !hosted_powered_off())
		pthread_cond_wait(&v->idle_cv, &v->idle_mu);
	pthread_mutex_unlock(&v->idle_mu);
	if (hosted_powered_off())
		hosted_park();
	ev = __atomic_exchange_n(&v->pending, 0, __ATOMIC_ACQ_REL);
	if (ev & VCPU_EV_TIMER)
		core_timer_interrupt();
	if (ev & VCPU_EV_KICK)
		core_cpu_kicked();
	if (ev & VCPU_EV_DEVICE)
		hosted_irq_deliver();
}

void cpu_poll(void)
{
	struct vcpu *v = hosted_cpu_self();

	hosted_clock_poll(v);
	if (v->intr_on && __atomic_load_n(&v->pending, __ATOMIC_RELAXED) != 0)
		deliver(v);
	else if (hosted_powered_off())
		hosted_park();
}

void hosted_cpu_raise(struct vcpu *v, unsigned events)
{
	__atomic_or_fetch(&v->pending, events, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&v->idle_mu);
	pthread_cond_signal(&v->idle_cv);
	pthread_mutex_unlock(&v->idle_mu);
}

void cpu_kick(unsigned id)
{
	hosted_cpu_raise(&hosted_vcpus[id], VCPU_EV_KICK);
}

/* A vCPU's host thread: become vCPU id and join the core. */
static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;

	hosted_cpu_bind(v->id);
	core_cpu_main();
}

void cpu_start(unsigned id)
{
	struct vcpu *v = &hosted_vcpus[id];
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&v->thread, &attr, vcpu_main, v) != 0) {
		fprintf(stderr, "cpu_start: cannot create vCPU %u\n", id);
		abort();
	}
	pthread_attr_destroy(&attr);
}

/* After a panic: the message is out; abort so a test harness sees a signal. */
void cpu_halt_all(void)
{
	abort();
}

/*
 * A spin-wait's pause.  vCPUs are host threads, usually more of them
 * than host cores: a spinlock's holder may be a vCPU the host has
 * descheduled, and pausing alone would spin out the rest of the
 * spinner's host time slice before the holder could run again.  So
 * every RELAX_YIELD_EVERY pauses of this thread the host gets its core
 * back; a spin that ends sooner never yields.
 */
#define RELAX_YIELD_EVERY	64

void cpu_relax(void)
{
	static __thread unsigned spins;

	if (++spins % RELAX_YIELD_EVERY == 0)
		sched_yield();
	else
		__builtin_ia32_pause();
}
