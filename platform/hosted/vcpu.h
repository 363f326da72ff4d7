/*
 * The hosted platform's private interface between its files: virtual CPUs,
 * their pending "interrupts", the clock's timer thread and power-off.
 *
 * The hosted bake is x86-64 only: it switches kernel stacks with the same
 * assembly routine as the x86_64 bake (platform/x86_64/context_switch.S).
 */
#ifndef HOSTED_VCPU_H
#define HOSTED_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "contract/cpu.h"
#include "hosted.h"

/* Pending-event bits of a vCPU. */
#define VCPU_EV_TIMER	0x1u	/* its one-shot timer expired */
#define VCPU_EV_KICK	0x2u	/* another vCPU called cpu_kick() */
#define VCPU_EV_DEVICE	0x4u	/* a host thread posted a hosted_irq */

struct vcpu {
	unsigned id;
	pthread_t thread;
	bool intr_on;		/* only touched by the vCPU's own host thread */
	bool delivering;	/* inside a callback: no nested delivery */
	unsigned pending;	/* VCPU_EV_* bits, set atomically by any thread */
	pthread_mutex_t idle_mu; /* with idle_cv: cpu_idle() sleeps here */
	pthread_cond_t idle_cv;
	uint64_t deadline;	/* timer deadline in clock_ns(), 0 = none; timer lock */
};

extern struct vcpu hosted_vcpus[HOSTED_CPU_MAX];

/* Set up n vCPUs (state only; no host threads yet). */
void hosted_cpus_init(unsigned n);

/* Make the calling host thread vCPU id. */
void hosted_cpu_bind(unsigned id);

/* The calling host thread's vCPU (vCPU 0 for a thread never bound). */
struct vcpu *hosted_cpu_self(void);

/* Raise events on v and wake it if it idles; callable from any host thread. */
void hosted_cpu_raise(struct vcpu *v, unsigned events);

/*
 * Start the clock at 0: real time with a host timer thread, or, when
 * virtual, deterministic time with none (hosted.h, deterministic mode).
 */
void hosted_clock_init(bool virtual);

/* Virtual clock: raise this vCPU's timer event if its deadline has passed. */
void hosted_clock_poll(struct vcpu *v);

/*
 * Virtual clock, idle vCPU with nothing pending: jump time to its
 * deadline and raise the timer event.  Returns false when no timer is
 * armed (no event can ever arrive).
 */
bool hosted_clock_skip_to_deadline(struct vcpu *v);

/* True in deterministic mode. */
bool hosted_clock_virtual(void);

/* Wake the timer thread so it notices power-off and ends. */
void hosted_clock_stop(void);

/* Set by platform_poweroff(): vCPUs park at their next delivery point. */
bool hosted_powered_off(void);

/* Block the calling host thread forever (a vCPU after power-off). */
__attribute__((noreturn)) void hosted_park(void);

/* Run the device interrupts posted so far (irq.c); interrupts off. */
void hosted_irq_deliver(void);

/* Console: set the echo mode and clear the log (boot). */
void hosted_console_init(bool quiet);

#endif
