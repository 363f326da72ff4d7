/*
 * Hosted kernel contexts: the x86-64 stack switch of
 * platform/x86_64/context_switch.S (the hosted bake is x86-64 only), plus
 * what AddressSanitizer needs to follow it.
 *
 * ASan tracks one stack per host thread; switching stacks behind its back
 * makes it report false overflows and mis-handle noreturn calls.  So every
 * switch is announced with __sanitizer_start_switch_fiber() (giving the
 * bounds of the stack being entered) and completed on the new stack with
 * __sanitizer_finish_switch_fiber().  A context therefore carries its
 * stack's bounds: context_init() keeps them in a small record at the top
 * of the thread's stack; a vCPU's own host stack (where core_main() and
 * the idle loop run) gets a record from the host thread's attributes the
 * first time it is switched away from.  Kernel threads migrate between
 * vCPU host threads; ASan follows because each finish call happens on the
 * host thread that now runs the stack.
 */
#if !defined(__x86_64__)
#error "the hosted bake runs on x86-64 hosts only"
#endif

#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "contract/context.h"
#include "vcpu.h"

#if defined(__SANITIZE_ADDRESS__)
#define HOSTED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTED_ASAN 1
#endif
#endif

#ifdef HOSTED_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* Bytes per kernel stack: ASan's redzones make frames several times larger. */
#define HOSTED_STACK_SIZE	(256 * 1024)

/* From context_switch.S. */
void context_switch_stack(uintptr_t *save_sp, uintptr_t new_sp);
void context_stack_entry(void);

/* What the platform keeps per context (struct context's md). */
struct context_md {
	void *stack_bottom;	/* lowest address of the stack */
	size_t stack_size;
	void (*entry)(void *);
	void *arg;
};

/* Records for the vCPUs' host stacks, which context_init() never saw. */
static struct context_md host_stack_md[HOSTED_CPU_MAX];

size_t context_stack_size(void)
{
	return HOSTED_STACK_SIZE;
}

/* First code on a new stack: finish the switch, then run the entry. */
static void context_first_run(void *p)
{
	struct context_md *md = p;

#ifdef HOSTED_ASAN
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
	md->entry(md->arg);
	fprintf(stderr, "context: entry %p returned\n", (void *)md->entry);
	abort();
}

void context_init(struct context *ctx, void *stack, size_t size,
    void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	struct context_md *md;
	uintptr_t *frame;

	top -= ROUNDUP(sizeof(*md), 16);
	md = (struct context_md *)top;
	md->stack_bottom = stack;
	md->stack_size = size;
	md->entry = entry;
	md->arg = arg;

	frame = (uintptr_t *)top - 8;	/* 7 words, plus one to keep 16-byte alignment */
	frame[0] = 0;				/* r15 */
	frame[1] = 0;				/* r14 */
	frame[2] = (uintptr_t)md;		/* r13: argument */
	frame[3] = (uintptr_t)context_first_run; /* r12: function */
	frame[4] = 0;				/* rbx */
	frame[5] = 0;				/* rbp: end of backtraces */
	frame[6] = (uintptr_t)context_stack_entry;
	frame[7] = 0;
	ctx->sp = (uintptr_t)frame;
	ctx->md = md;
}

/* The bounds of the calling host thread's own stack (a vCPU's boot stack). */
static struct context_md *host_stack_record(void)
{
	struct context_md *md = &host_stack_md[cpu_id()];
	pthread_attr_t attr;

	if (pthread_getattr_np(pthread_self(), &attr) != 0 ||
	    pthread_attr_getstack(&attr, &md->stack_bottom,
	    &md->stack_size) != 0) {
		fprintf(stderr, "context: cannot find the host stack\n");
		abort();
	}
	pthread_attr_destroy(&attr);
	return md;
}

/* Interrupts are disabled (the caller holds the run queue lock). */
void context_switch(struct context *from, struct context *to)
{
	struct context_md *to_md = to->md;
#ifdef HOSTED_ASAN
	void *fake_stack = NULL;
#endif

	if (from->md == NULL)
		from->md = host_stack_record();
#ifdef HOSTED_ASAN
	__sanitizer_start_switch_fiber(&fake_stack, to_md->stack_bottom,
	    to_md->stack_size);
#else
	(void)to_md;
#endif
	context_switch_stack(&from->sp, to->sp);
#ifdef HOSTED_ASAN
	__sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#endif
}

/*
 * The thread is gone; its stack goes back to the core's allocator.  Frames
 * that never returned (the exiting thread's last calls) left ASan's stack
 * poisoning behind: clear it so the memory's next owner starts clean.
 */
void context_destroy(struct context *ctx)
{
	struct context_md *md = ctx->md;

#ifdef HOSTED_ASAN
	if (md != NULL)
		__asan_unpoison_memory_region(md->stack_bottom, md->stack_size);
#endif
	ctx->md = NULL;
	(void)md;
}
