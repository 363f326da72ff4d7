/*
 * futex(2): FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_REQUEUE,
 * FUTEX_CMP_REQUEUE and FUTEX_WAKE_OP, with FUTEX_PRIVATE_FLAG and
 * FUTEX_CLOCK_REALTIME;
 * and set_robust_list(2)/get_robust_list(2), which only register a list
 * head for now (nothing walks it when a thread dies).
 *
 * Waiters hash by key into FUTEX_BUCKETS buckets, each a spinlock and a
 * list of struct futex_waiter living on the waiters' kernel stacks.
 *
 * Lost wakeups.  The user-space protocol is: a waker changes the word,
 * then calls FUTEX_WAKE; a waiter calls FUTEX_WAIT(val) only if it saw
 * the old value.  The kernel must not put the waiter to sleep after a
 * wake that followed the change.  Linux reads the word under the bucket
 * lock with page faults disabled; we cannot fault under a spinlock, so
 * the waiter instead enqueues itself first and reads the word after: a
 * waker that changed the word after our read finds us queued, and a
 * change before our read makes us return EAGAIN (withdrawing from the
 * queue, or, if a wake already took us off it, returning 0 as though the
 * wake came first -- the wake is then not lost, only delivered).
 *
 * Sleeping.  Each waiter sleeps on a wait queue of its own, guarded by
 * its own lock, with a `woken` flag the waker sets; so a requeue can move
 * it between buckets without touching its sleep.  The bucket a waiter is
 * on changes only with both buckets' locks held, and the waiter finds its
 * current bucket by locking the one it last saw and checking again.
 *
 * Words read or written under bucket locks.  CMP_REQUEUE compares the
 * word and moves the waiters in one critical section, and WAKE_OP
 * updates its second word in one, as Linux does, so no waiter can slip
 * in between.  A spinlock forbids faults, so there the word is reached
 * through the page table and the direct map (word_mapped); when it is
 * not mapped with the access needed, the locks are dropped, vm_fault()
 * maps it, and the operation starts over.
 *
 * A signal ends a wait: an untimed one with -ERESTARTSYS (SA_RESTART
 * re-runs it), a timed one with -EINTR (Linux would restart it with the
 * time left; we have no restart blocks).
 *
 * Lock order: a bucket (two in requeue, lower address first), a waiter's
 * lock, its wait queue's lock.
 */
#include "contract/clock.h"
#include "contract/entry.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "kern/time.h"
#include "lib/hash.h"
#include "lib/list.h"
#include "proc/futex.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define FUTEX_BUCKETS	256	/* a power of two */

/* What names a futex: an address space or memory object, and an offset. */
struct futex_key {
	uintptr_t space;	/* struct vmspace * or struct vm_object * */
	uint64_t off;		/* user address, or offset in the object */
};

/* [b] the lock of the bucket it is on; [l] its own lock; [i] set once. */
struct futex_waiter {
	struct list link;		/* [b] in bucket->waiters */
	struct futex_key key;		/* [b] (requeue changes it) */
	uint32_t bitset;		/* [i] */
	bool queued;			/* [b] on a bucket's list */
	struct futex_bucket *bucket;	/* [b] both buckets' locks to change */
	struct spinlock lock;
	struct waitq wq;		/* it sleeps here */
	bool woken;			/* [l] */
};

struct futex_bucket {
	struct spinlock lock;
	struct list waiters;		/* of futex_waiter; next NULL: unset */
} __attribute__((aligned(64)));

/* The lists start zeroed and are set up by the first locker (no init hook). */
static struct futex_bucket buckets[FUTEX_BUCKETS] = {
	[0 ... FUTEX_BUCKETS - 1] = { .lock = SPINLOCK_INIT("futex") },
};

/* The robust list head must be struct robust_list_head: 3 words. */
#define ROBUST_LIST_HEAD_SIZE	24

static bool
key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->off == b->off;
}

static struct futex_bucket *
key_bucket(const struct futex_key *k)
{
	uint64_t h = hash_combine(hash_u64(k->space), k->off);

	return &buckets[h & (FUTEX_BUCKETS - 1)];
}

static void
bucket_lock(struct futex_bucket *b)
{
	spin_lock(&b->lock);
	if (b->waiters.next == NULL)
		list_init(&b->waiters);
}

/* Lock the bucket w is on now (requeue may move it while we look). */
static struct futex_bucket *
lock_waiter_bucket(struct futex_waiter *w)
{
	struct futex_bucket *b;

	for (;;) {
		b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		bucket_lock(b);
		if (w->bucket == b)
			return b;
		spin_unlock(&b->lock);
	}
}

/*
 * The key of the futex word at uaddr: (address space, address) when the
 * caller says private or the mapping is private, else (memory object,
 * offset), the same in every process that maps the object.  0, -EINVAL
 * (misaligned) or -EFAULT (unmapped).
 */
static int
futex_key_get(uaddr_t uaddr, bool private, struct futex_key *k)
{
	struct vmspace *vs = curthread()->vmspace;
	struct vm_region_info ri;

	if (uaddr % sizeof(uint32_t) != 0)
		return -EINVAL;
	if (vs == NULL)
		return -EFAULT;
	if (!private) {
		if (!vmspace_region_at(vs, uaddr, &ri) || uaddr < ri.start)
			return -EFAULT;
		if (ri.shared && ri.obj != NULL) {
			k->space = (uintptr_t)ri.obj;
			k->off = ri.offset + (uaddr - ri.start);
			return 0;
		}
	}
	k->space = (uintptr_t)vs;
	k->off = uaddr;
	return 0;
}

/*
 * The kernel address of the user word at uaddr if it is mapped now with
 * access (PROT_R or PROT_R|PROT_W), else NULL.  Never faults, so it may
 * run under bucket locks.  Through the direct map the word stays
 * readable even if another thread unmaps it meanwhile: that racing
 * caller then sees the word's last value, never a crash.
 */
static uint32_t *
word_mapped(uaddr_t uaddr, unsigned access)
{
	struct vmspace *vs = curthread()->vmspace;
	paddr_t pa;
	unsigned prot;

	if (vs == NULL || uaddr >= USER_END ||
	    !pmap_extract(vmspace_pmap(vs), uaddr, &pa, &prot) ||
	    (prot & access) != access)
		return NULL;
	return phys_to_virt(pa);
}

/* Lock the buckets of a two-futex operation, lower address first. */
static void
lock_pair(struct futex_bucket *b1, struct futex_bucket *b2)
{
	if (b1 == b2) {
		bucket_lock(b1);
	} else if (b1 < b2) {
		bucket_lock(b1);
		bucket_lock(b2);
	} else {
		bucket_lock(b2);
		bucket_lock(b1);
	}
}

static void
unlock_pair(struct futex_bucket *b1, struct futex_bucket *b2)
{
	if (b1 != b2)
		spin_unlock(&b2->lock);
	spin_unlock(&b1->lock);
}

/*
 * Lock b1 and b2 with the word at uaddr mapped with access; *wp is its
 * kernel address.  0, or -EFAULT when it cannot be mapped.
 */
static int
lock_pair_word(struct futex_bucket *b1, struct futex_bucket *b2,
    uaddr_t uaddr, unsigned access, uint32_t **wp)
{
	for (;;) {
		lock_pair(b1, b2);
		if ((*wp = word_mapped(uaddr, access)) != NULL)
			return 0;
		unlock_pair(b1, b2);
		if (uaddr >= USER_END || vm_fault(uaddr, access) != 0)
			return -EFAULT;
	}
}

/* Take w off its bucket and wake it.  Holds w's bucket lock. */
static void
wake_waiter(struct futex_waiter *w)
{
	list_remove(&w->link);
	w->queued = false;
	spin_lock(&w->lock);
	w->woken = true;
	waitq_wake_one(&w->wq);
	/* w may vanish (its owner returns) once this lock is released. */
	spin_unlock(&w->lock);
}

/*
 * Sleep on the futex k until woken, the word at uaddr differs from val,
 * or clock_ns() reaches deadline (0: none).  0, -EAGAIN, -ETIMEDOUT,
 * -EFAULT.
 */
static long
futex_wait(uaddr_t uaddr, const struct futex_key *k, uint32_t val,
    uint32_t bitset, uint64_t deadline)
{
	struct futex_waiter w;
	struct futex_bucket *b = key_bucket(k);
	uint32_t cur;
	int err = 0, r;
	bool woken;

	w.key = *k;
	w.bitset = bitset;
	w.woken = false;
	w.bucket = b;
	spin_init(&w.lock, "futex waiter");
	waitq_init(&w.wq, "futex");
	bucket_lock(b);
	list_push_back(&b->waiters, &w.link);
	w.queued = true;
	spin_unlock(&b->lock);

	/* Queued first, then read: see the comment at the top. */
	if (copyin(&cur, uaddr, sizeof(cur)) != 0)
		err = -EFAULT;
	else if (cur != val)
		err = -EAGAIN;

	spin_lock(&w.lock);
	while (err == 0 && !w.woken) {
		if (deadline == 0) {
			/* Untimed: restartable, as Linux's FUTEX_WAIT. */
			if (waitq_wait_intr(&w.wq, &w.lock) == -EINTR &&
			    !w.woken)
				err = -ERESTARTSYS;
			continue;
		}
		r = waitq_wait_deadline_intr(&w.wq, &w.lock, deadline);
		if (r != 0 && !w.woken)
			err = r;
	}
	spin_unlock(&w.lock);

	/* Withdraw unless a waker already took us off the queue. */
	b = lock_waiter_bucket(&w);
	if (w.queued) {
		list_remove(&w.link);
		w.queued = false;
	}
	spin_unlock(&b->lock);
	spin_lock(&w.lock);
	woken = w.woken;
	spin_unlock(&w.lock);
	return woken ? 0 : err;
}

/*
 * Wake up to n waiters on k whose bitset meets bitset; return how many.
 * Holds k's bucket lock.
 */
static long
wake_locked(struct futex_bucket *b, const struct futex_key *k, int n,
    uint32_t bitset)
{
	struct list *it, *tmp;
	long woke = 0;

	/* Linux counts after waking, so a count of 0 or less wakes one. */
	list_foreach_safe(it, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(it, struct futex_waiter,
		    link);

		if (!key_eq(&w->key, k) || (w->bitset & bitset) == 0)
			continue;
		wake_waiter(w);
		if (++woke >= n)
			break;
	}
	return woke;
}

static long
futex_wake(const struct futex_key *k, int n, uint32_t bitset)
{
	struct futex_bucket *b = key_bucket(k);
	long woke;

	bucket_lock(b);
	woke = wake_locked(b, k, n, bitset);
	spin_unlock(&b->lock);
	return woke;
}

/*
 * Wake up to nwake waiters on k1 (at uaddr) and move up to nmove of the
 * rest to k2; return the number woken plus the number moved.  With
 * cmpval, first check that the word at uaddr still holds *cmpval
 * (-EAGAIN if not), under the same locks as the move.
 */
static long
futex_requeue(uaddr_t uaddr, const struct futex_key *k1,
    const struct futex_key *k2, int nwake, int nmove, const uint32_t *cmpval)
{
	struct futex_bucket *b1 = key_bucket(k1), *b2 = key_bucket(k2);
	struct list *it, *tmp;
	long woke = 0, moved = 0;
	uint32_t *word;
	int err;

	if (cmpval == NULL) {
		lock_pair(b1, b2);
	} else {
		if ((err = lock_pair_word(b1, b2, uaddr, PROT_R, &word)) != 0)
			return err;
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != *cmpval) {
			unlock_pair(b1, b2);
			return -EAGAIN;
		}
	}
	list_foreach_safe(it, tmp, &b1->waiters) {
		struct futex_waiter *w = list_entry(it, struct futex_waiter,
		    link);

		if (!key_eq(&w->key, k1))
			continue;
		if (woke < nwake) {
			wake_waiter(w);
			woke++;
			continue;
		}
		if (moved >= nmove)
			break;
		w->key = *k2;
		if (b1 != b2) {
			list_remove(&w->link);
			list_push_back(&b2->waiters, &w->link);
			__atomic_store_n(&w->bucket, b2, __ATOMIC_RELEASE);
		}
		moved++;
	}
	unlock_pair(b1, b2);
	return woke + moved;
}

/*
 * FUTEX_WAKE_OP's update of *w: op (SET, ADD, OR, ANDN, XOR) with oparg.
 * The old value, or false for an unknown op (nothing changed).
 */
static bool
wake_op_apply(uint32_t *w, int op, uint32_t oparg, uint32_t *old)
{
	uint32_t cur = __atomic_load_n(w, __ATOMIC_SEQ_CST), next;

	do {
		switch (op) {
		case 0: next = oparg; break;
		case 1: next = cur + oparg; break;
		case 2: next = cur | oparg; break;
		case 3: next = cur & ~oparg; break;
		case 4: next = cur ^ oparg; break;
		default: return false;
		}
	} while (!__atomic_compare_exchange_n(w, &cur, next, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	*old = cur;
	return true;
}

/* Sign-extend the 12-bit field of val3 at bit shift. */
static int32_t
field12(uint32_t v, int shift)
{
	int32_t f = (int32_t)((v >> shift) & 0xfff);

	return f >= 0x800 ? f - 0x1000 : f;
}

/* WAKE_OP's comparison cmp of old with cmparg: 1, 0, or -ENOSYS. */
static int
wake_op_cmp(int cmp, int32_t old, int32_t cmparg)
{
	switch (cmp) {
	case 0: return old == cmparg;
	case 1: return old != cmparg;
	case 2: return old < cmparg;
	case 3: return old <= cmparg;
	case 4: return old > cmparg;
	case 5: return old >= cmparg;
	default: return -ENOSYS;
	}
}

/*
 * FUTEX_WAKE_OP: atomically update the word at uaddr2 by the op encoded
 * in enc, wake up to n1 waiters on k1 and, if the old value of uaddr2
 * passes the encoded comparison, up to n2 on k2.  The number woken.
 */
static long
futex_wake_op(const struct futex_key *k1, uaddr_t uaddr2,
    const struct futex_key *k2, int n1, int n2, uint32_t enc)
{
	struct futex_bucket *b1 = key_bucket(k1), *b2 = key_bucket(k2);
	int32_t oparg = field12(enc, 12);
	uint32_t *word, old;
	long woke;
	int err, c;

	if (enc & 0x80000000u)		/* FUTEX_OP_OPARG_SHIFT */
		oparg = (int32_t)(1u << (oparg & 31));
	err = lock_pair_word(b1, b2, uaddr2, PROT_R | PROT_W, &word);
	if (err != 0)
		return err;
	if (!wake_op_apply(word, (enc >> 28) & 7, (uint32_t)oparg, &old)) {
		unlock_pair(b1, b2);
		return -ENOSYS;
	}
	c = wake_op_cmp((enc >> 24) & 15, (int32_t)old, field12(enc, 0));
	if (c < 0) {
		unlock_pair(b1, b2);
		return c;
	}
	woke = wake_locked(b1, k1, n1, FUTEX_BITSET_MATCH_ANY);
	if (c > 0)
		woke += wake_locked(b2, k2, n2, FUTEX_BITSET_MATCH_ANY);
	unlock_pair(b1, b2);
	return woke;
}

long
futex_wake_addr(uaddr_t uaddr, int n)
{
	struct futex_key k;
	int err;

	if ((err = futex_key_get(uaddr, false, &k)) != 0)
		return err;
	return futex_wake(&k, n, FUTEX_BITSET_MATCH_ANY);
}

/*
 * The clock_ns() deadline for a wait's timeout argument: relative for
 * FUTEX_WAIT, absolute on CLOCK_MONOTONIC or (FUTEX_CLOCK_REALTIME)
 * CLOCK_REALTIME for FUTEX_WAIT_BITSET.  0 with no timeout.
 */
static int
futex_deadline(uaddr_t utime, int cmd, bool realtime, uint64_t *deadline)
{
	uint64_t ns;
	int err;

	*deadline = 0;
	if (utime == 0)
		return 0;
	if ((err = time_copyin_timespec(utime, &ns)) != 0)
		return err;
	if (cmd == FUTEX_WAIT)
		*deadline = time_add_sat(clock_ns(), ns);
	else if (realtime)
		*deadline = time_realtime_to_mono(ns);
	else
		*deadline = ns;
	/* 0 means "none"; a deadline at boot has passed anyway. */
	if (*deadline == 0)
		*deadline = 1;
	return 0;
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3) */
long
sys_futex(const struct syscall_args *a)
{
	uaddr_t uaddr = a->a[0], uaddr2 = a->a[4];
	int op = (int)a->a[1], cmd = op & FUTEX_CMD_MASK;
	uint32_t val = (uint32_t)a->a[2], val3 = (uint32_t)a->a[5];
	bool private = (op & FUTEX_PRIVATE_FLAG) != 0;
	bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
	struct futex_key k, k2;
	uint64_t deadline;
	int err;

	/* Linux: the clock flag means something only to the waits. */
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (cmd == FUTEX_WAIT)
			val3 = FUTEX_BITSET_MATCH_ANY;
		if (val3 == 0)
			return -EINVAL;
		if ((err = futex_deadline(a->a[3], cmd, realtime,
		    &deadline)) != 0)
			return err;
		if ((err = futex_key_get(uaddr, private, &k)) != 0)
			return err;
		return futex_wait(uaddr, &k, val, val3, deadline);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE)
			val3 = FUTEX_BITSET_MATCH_ANY;
		if (val3 == 0)
			return -EINVAL;
		if ((err = futex_key_get(uaddr, private, &k)) != 0)
			return err;
		return futex_wake(&k, (int)val, val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* The counts are ints to Linux, which refuses negative ones. */
		if ((int32_t)val < 0 || (int32_t)a->a[3] < 0)
			return -EINVAL;
		if ((err = futex_key_get(uaddr, private, &k)) != 0 ||
		    (err = futex_key_get(uaddr2, private, &k2)) != 0)
			return err;
		return futex_requeue(uaddr, &k, &k2, (int32_t)val,
		    (int32_t)a->a[3], cmd == FUTEX_CMP_REQUEUE ? &val3 : NULL);
	case FUTEX_WAKE_OP:
		if ((err = futex_key_get(uaddr, private, &k)) != 0 ||
		    (err = futex_key_get(uaddr2, private, &k2)) != 0)
			return err;
		return futex_wake_op(&k, uaddr2, &k2, (int)val,
		    (int)a->a[3], val3);
	default:
		/* FD, the PI family: not here; ENOSYS as Linux's unknowns. */
		return -ENOSYS;
	}
}

/* set_robust_list(head, len) */
long
sys_set_robust_list(const struct syscall_args *a)
{
	if (a->a[1] != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	curthread()->robust_list = a->a[0];
	return 0;
}

/*
 * get_robust_list(pid, head_ptr, len_ptr): the caller's own (pid 0 or its
 * own tid); another thread's needs a lookup by tid, which we lack: ESRCH
 * as for a thread that is gone, unless it is ours.
 */
long
sys_get_robust_list(const struct syscall_args *a)
{
	struct thread *t = curthread();
	uint64_t head, len = ROBUST_LIST_HEAD_SIZE;
	int pid = (int)a->a[0];

	if (pid != 0 && pid != t->tid)
		return -ESRCH;
	head = t->robust_list;
	if (copyout(a->a[2], &len, sizeof(len)) != 0 ||
	    copyout(a->a[1], &head, sizeof(head)) != 0)
		return -EFAULT;
	return 0;
}
