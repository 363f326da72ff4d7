/*
 * Device interrupts posted by host threads (hosted.h).
 *
 * Each vCPU has a lock-free stack of posted irqs.  A poster claims the
 * irq's pending flag (a second post of a pending irq is absorbed), pushes
 * it with a compare-and-swap, and raises VCPU_EV_DEVICE on the target,
 * which wakes it from cpu_idle().  The vCPU takes the whole stack at
 * once at a delivery point and runs each handler after clearing its
 * flag, so a post that races with the handler runs it again rather than
 * being lost.
 */
#include "vcpu.h"

static struct hosted_irq *posted[HOSTED_CPU_MAX];

void hosted_irq_post(struct hosted_irq *irq)
{
	unsigned cpu = irq->vcpu % cpu_count();
	struct hosted_irq *head;

	if (__atomic_exchange_n(&irq->pending, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	head = __atomic_load_n(&posted[cpu], __ATOMIC_RELAXED);
	do
		irq->next = head;
	while (!__atomic_compare_exchange_n(&posted[cpu], &head, irq, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	hosted_cpu_raise(&hosted_vcpus[cpu], VCPU_EV_DEVICE);
}

void hosted_irq_deliver(void)
{
	struct hosted_irq *irq, *next;

	irq = __atomic_exchange_n(&posted[cpu_id()], NULL, __ATOMIC_ACQUIRE);
	for (; irq != NULL; irq = next) {
		next = irq->next;
		__atomic_store_n(&irq->pending, 0, __ATOMIC_RELEASE);
		irq->handler(irq->arg);
	}
}
