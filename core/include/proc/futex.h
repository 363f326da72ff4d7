/*
 * Fast user-space mutexes: futex(2), and the robust-list registration
 * that goes with threads (set_robust_list(2), get_robust_list(2)).
 *
 * A futex is a 32-bit user word; the kernel keeps only the queues of
 * threads waiting on one.  A private futex (FUTEX_PRIVATE_FLAG) is known
 * by its address space and user address; a shared one, in a MAP_SHARED
 * mapping, by the memory object under it and the offset in that object,
 * which name the same physical page in every process that maps it.
 */
#ifndef PROC_FUTEX_H
#define PROC_FUTEX_H

#include "kern/types.h"

struct syscall_args;

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAKE_OP		5
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_CMD_MASK	(~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY	0xffffffffu

/*
 * Wake up to n waiters on the futex word at uaddr of the current address
 * space as FUTEX_WAKE without the private flag does (as Linux does for
 * CLONE_CHILD_CLEARTID at thread exit); return how many woke or a
 * negative errno.
 */
long futex_wake_addr(uaddr_t uaddr, int n);

long sys_futex(const struct syscall_args *a);
long sys_set_robust_list(const struct syscall_args *a);
long sys_get_robust_list(const struct syscall_args *a);

#endif
