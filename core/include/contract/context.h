/*
 * Contract: kernel register contexts.
 *
 * A context is the callee-saved state of a suspended kernel thread.  The
 * core allocates the stack and the struct context; the platform lays out
 * the first frame and switches.  Scheduling policy lives in the core.
 */
#ifndef CONTRACT_CONTEXT_H
#define CONTRACT_CONTEXT_H

#include "kern/types.h"

/* Platform-defined, but of a size the core can embed: opaque words. */
struct context {
	uintptr_t sp;		/* saved stack pointer; the rest is on the stack */
	void *md;		/* platform's per-context data (hosted: sanitizer fiber state) */
};

/*
 * Prepare ctx so that the first context_switch() into it runs
 * entry(arg) on the stack [stack, stack + size).  entry must not return.
 */
void context_init(struct context *ctx, void *stack, size_t size,
    void (*entry)(void *), void *arg);

/*
 * Save the current state in from and resume to.  Returns when some CPU
 * later switches back to from.  Called with interrupts disabled; the
 * interrupt state is per-CPU, not saved in the context.
 */
void context_switch(struct context *from, struct context *to);

/*
 * Bytes of kernel stack the core should give each thread: 16 KiB on
 * hardware, much more in the hosted bake, whose sanitizers grow frames.
 */
size_t context_stack_size(void);

/* Release platform data attached by context_init() (the stack is the core's). */
void context_destroy(struct context *ctx);

#endif
