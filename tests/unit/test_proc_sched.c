/*
 * The scheduler, threads, wait queues, locks and timed sleeps, on a
 * booted hosted kernel (4 vCPUs unless a test says otherwise).  Each test
 * boots once in its own forked child; the kernel-side code records what
 * it saw in globals, and the test checks them after hosted_boot()
 * returns, so a failed check never fires on a vCPU thread.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "contract/clock.h"
#include "contract/context.h"
#include "contract/cpu.h"
#include "contract/pmap.h"
#include "hosted.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/mutex.h"
#include "proc/sched.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"

#define MS		(1000 * 1000ull)

/* Boot ncpus vCPUs with 64 MiB, run fn as the first thread, return its value. */
static int boot(unsigned ncpus, int (*fn)(void *))
{
	struct hosted_config cfg = {
		.ncpus = ncpus, .mem_bytes = 64u << 20, .quiet = true,
	};

	return hosted_boot(&cfg, fn, NULL);
}

/* Create a thread or fail the boot loudly. */
static struct thread *spawn_on(int cpu, const char *name, void (*fn)(void *),
    void *arg)
{
	struct thread *t = cpu < 0 ? thread_create(name, fn, arg) :
	    thread_create_on((unsigned)cpu, name, fn, arg);

	if (t == NULL)
		abort();
	return t;
}

/*
 * Token ring: one thread per CPU, each pinned, each with its own wait
 * queue.  The holder passes the token to the next and wakes it; everyone
 * else sleeps.  Every pass is a cross-CPU wakeup.
 */
#define RING_PASSES	100000
#define RING_MAX	8

static struct ring {
	struct spinlock lock;
	struct waitq wq[RING_MAX];
	unsigned n;		/* threads in the ring */
	unsigned holder;	/* who may pass next */
	unsigned passes;	/* total so far */
	unsigned per_thread[RING_MAX];
	bool wrong_cpu;		/* a pinned thread ran elsewhere */
} ring;

static void ring_member(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, next = (me + 1) % ring.n;
	unsigned home = me % cpu_count();

	spin_lock(&ring.lock);
	for (;;) {
		while (ring.holder != me && ring.passes < RING_PASSES)
			waitq_wait(&ring.wq[me], &ring.lock);
		if (cpu_id() != home)
			ring.wrong_cpu = true;
		if (ring.passes >= RING_PASSES)
			break;
		ring.passes++;
		ring.per_thread[me]++;
		ring.holder = next;
		/* The waker needs no lock of ours, but must run after the change. */
		waitq_wake_one(&ring.wq[next]);
		if (ring.passes == RING_PASSES) {
			unsigned i;

			for (i = 0; i < ring.n; i++)
				waitq_wake_all(&ring.wq[i]);
		}
	}
	spin_unlock(&ring.lock);
}

static uint64_t ring_switches_before[HOSTED_CPU_MAX];
static uint64_t ring_switches_after[HOSTED_CPU_MAX];

static int ring_main(void *unused)
{
	struct thread *t[RING_MAX];
	unsigned i;

	spin_init(&ring.lock, "ring");
	ring.n = cpu_count() == 1 ? 4 : cpu_count();
	for (i = 0; i < ring.n; i++)
		waitq_init(&ring.wq[i], "ring");
	for (i = 0; i < cpu_count(); i++)
		ring_switches_before[i] = sched_switches(i);
	for (i = 0; i < ring.n; i++)
		t[i] = spawn_on((int)(i % cpu_count()), "ring", ring_member,
		    (void *)(uintptr_t)i);
	for (i = 0; i < ring.n; i++)
		thread_join(t[i]);
	for (i = 0; i < cpu_count(); i++)
		ring_switches_after[i] = sched_switches(i);
	return 0;
}

static void check_ring(unsigned ncpus)
{
	unsigned i;

	ck_assert_int_eq(boot(ncpus, ring_main), 0);
	ck_assert_uint_eq(ring.passes, RING_PASSES);
	ck_assert(!ring.wrong_cpu);
	for (i = 0; i < ring.n; i++)
		ck_assert_uint_eq(ring.per_thread[i], RING_PASSES / ring.n);
	/* Every pass wakes a sleeper, so every CPU switched many times. */
	for (i = 0; i < ncpus; i++)
		ck_assert_uint_ge(ring_switches_after[i] -
		    ring_switches_before[i], RING_PASSES / ring.n);
}

START_TEST(test_token_ring)
{
	check_ring(4);
}
END_TEST

START_TEST(test_token_ring_one_cpu)
{
	check_ring(1);
}
END_TEST

/*
 * A sleeping mutex guarding a plain counter: 8 threads, and the owner
 * yields inside the critical section now and then, so contenders really
 * do sleep on the mutex.
 */
#define MUTEX_THREADS	8
#define MUTEX_ROUNDS	20000

static struct mutex counter_mutex;
static unsigned long mutex_counter;
static bool mutex_ownership_wrong;

static void mutex_worker(void *unused)
{
	unsigned i;

	for (i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&counter_mutex);
		if (!mutex_held(&counter_mutex))
			mutex_ownership_wrong = true;
		mutex_counter++;
		if (i % 64 == 0)
			thread_yield();
		mutex_unlock(&counter_mutex);
		if (mutex_held(&counter_mutex))
			mutex_ownership_wrong = true;
	}
}

static int mutex_main(void *unused)
{
	struct thread *t[MUTEX_THREADS];
	unsigned i;

	mutex_init(&counter_mutex, "counter");
	for (i = 0; i < MUTEX_THREADS; i++)
		t[i] = spawn_on(-1, "mutex", mutex_worker, NULL);
	for (i = 0; i < MUTEX_THREADS; i++)
		thread_join(t[i]);
	/* Uncontended now: trylock succeeds, and fails while held. */
	if (!mutex_trylock(&counter_mutex) || !mutex_held(&counter_mutex))
		return 1;
	mutex_unlock(&counter_mutex);
	return 0;
}

START_TEST(test_mutex_counter)
{
	ck_assert_int_eq(boot(4, mutex_main), 0);
	ck_assert_uint_eq(mutex_counter, MUTEX_THREADS * MUTEX_ROUNDS);
	ck_assert(!mutex_ownership_wrong);
}
END_TEST

START_TEST(test_mutex_counter_one_cpu)
{
	ck_assert_int_eq(boot(1, mutex_main), 0);
	ck_assert_uint_eq(mutex_counter, MUTEX_THREADS * MUTEX_ROUNDS);
	ck_assert(!mutex_ownership_wrong);
}
END_TEST

/* A spinlock guarding a plain counter, one pinned thread per CPU. */
#define SPIN_ROUNDS	100000

static struct spinlock counter_spin = SPINLOCK_INIT("counter");
static unsigned long spin_counter;
static bool spin_held_wrong;

static void spin_worker(void *unused)
{
	unsigned i;

	for (i = 0; i < SPIN_ROUNDS; i++) {
		spin_lock(&counter_spin);
		if (!spin_held(&counter_spin) || intr_enabled())
			spin_held_wrong = true;
		spin_counter++;
		spin_unlock(&counter_spin);
	}
}

static int spin_main(void *unused)
{
	struct thread *t[4];
	unsigned i;

	for (i = 0; i < 4; i++)
		t[i] = spawn_on((int)i, "spin", spin_worker, NULL);
	for (i = 0; i < 4; i++)
		thread_join(t[i]);
	return 0;
}

START_TEST(test_spinlock_counter)
{
	ck_assert_int_eq(boot(4, spin_main), 0);
	ck_assert_uint_eq(spin_counter, 4 * SPIN_ROUNDS);
	ck_assert(!spin_held_wrong);
}
END_TEST

/* Timed sleeps and deadlines. */
static uint64_t slept_ns, timed_out_ns, woken_ns;
static int timed_out_ret, woken_ret;
static struct spinlock timed_lock = SPINLOCK_INIT("timed");
static struct waitq timed_wq;
static bool timed_flag;

/* Wake the waiter in timed_main after 2 ms. */
static void timed_waker(void *unused)
{
	thread_sleep_ns(2 * MS);
	spin_lock(&timed_lock);
	timed_flag = true;
	spin_unlock(&timed_lock);
	waitq_wake_all(&timed_wq);
}

static int timed_main(void *unused)
{
	struct thread *t;
	uint64_t t0;

	waitq_init(&timed_wq, "timed");
	t0 = clock_ns();
	thread_sleep_ns(20 * MS);
	slept_ns = clock_ns() - t0;

	/* Nobody wakes us: the deadline ends the wait. */
	t0 = clock_ns();
	spin_lock(&timed_lock);
	timed_out_ret = waitq_wait_deadline(&timed_wq, &timed_lock, t0 + 5 * MS);
	spin_unlock(&timed_lock);
	timed_out_ns = clock_ns() - t0;

	/* Woken long before a far deadline. */
	t = spawn_on(-1, "waker", timed_waker, NULL);
	t0 = clock_ns();
	spin_lock(&timed_lock);
	woken_ret = 0;
	while (!timed_flag && woken_ret == 0)
		woken_ret = waitq_wait_deadline(&timed_wq, &timed_lock,
		    t0 + 10000 * MS);
	spin_unlock(&timed_lock);
	woken_ns = clock_ns() - t0;
	thread_join(t);
	return 0;
}

START_TEST(test_timed_sleep)
{
	ck_assert_int_eq(boot(4, timed_main), 0);
	ck_assert_uint_ge(slept_ns, 20 * MS);
	ck_assert_int_eq(timed_out_ret, -ETIMEDOUT);
	ck_assert_uint_ge(timed_out_ns, 5 * MS);
	ck_assert_int_eq(woken_ret, 0);
	ck_assert_uint_lt(woken_ns, 5000 * MS);
}
END_TEST

/* Many concurrent sleepers with different deadlines all wake on time. */
#define SLEEPERS	16

static uint64_t sleeper_late[SLEEPERS];	/* ns past its deadline; ~0 if early */

static void sleeper(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	uint64_t want = (1 + i % 5) * MS, t0 = clock_ns(), took;

	thread_sleep_ns(want);
	took = clock_ns() - t0;
	sleeper_late[i] = took >= want ? took - want : ~0ull;
}

static int sleepers_main(void *unused)
{
	struct thread *t[SLEEPERS];
	unsigned i;

	for (i = 0; i < SLEEPERS; i++)
		t[i] = spawn_on(-1, "sleeper", sleeper, (void *)(uintptr_t)i);
	for (i = 0; i < SLEEPERS; i++)
		thread_join(t[i]);
	return 0;
}

START_TEST(test_many_sleepers)
{
	unsigned i;

	ck_assert_int_eq(boot(4, sleepers_main), 0);
	for (i = 0; i < SLEEPERS; i++)
		ck_assert_uint_lt(sleeper_late[i], 2000 * MS);
}
END_TEST

/*
 * Preemption: a thread spinning on a flag, calling nothing but a
 * preemption point, shares its CPU with the thread that sets the flag.
 * Without the slice timer the setter would never run.
 */
static bool preempt_flag;
static unsigned long preempt_spins;
static uint64_t preempt_waited_ns;

static void spin_on_preempt_point(void *unused)
{
	uint64_t t0 = clock_ns();

	while (!__atomic_load_n(&preempt_flag, __ATOMIC_ACQUIRE)) {
		preempt_spins++;
		sched_preempt_point();
	}
	preempt_waited_ns = clock_ns() - t0;
}

/* Same, but the only preemption point is releasing a spinlock. */
static struct spinlock preempt_lock = SPINLOCK_INIT("preempt");

static void spin_on_lock_release(void *unused)
{
	bool done = false;

	while (!done) {
		spin_lock(&preempt_lock);
		done = preempt_flag;
		spin_unlock(&preempt_lock);
	}
}

static void set_flag(void *unused)
{
	__atomic_store_n(&preempt_flag, true, __ATOMIC_RELEASE);
}

static int preempt_main(void *spinner)
{
	int cpu = (int)cpu_count() - 1;
	struct thread *a, *b;

	a = spawn_on(cpu, "spinner", (void (*)(void *))spinner, NULL);
	b = spawn_on(cpu, "setter", set_flag, NULL);
	thread_join(b);
	thread_join(a);
	return 0;
}

static int preempt_point_main(void *unused)
{
	return preempt_main((void *)spin_on_preempt_point);
}

static int preempt_unlock_main(void *unused)
{
	return preempt_main((void *)spin_on_lock_release);
}

START_TEST(test_preempt_point)
{
	ck_assert_int_eq(boot(4, preempt_point_main), 0);
	ck_assert(preempt_flag);
	ck_assert_uint_gt(preempt_spins, 0);
	/* It took a slice to get the setter in, but not forever. */
	ck_assert_uint_lt(preempt_waited_ns, 5000 * MS);
}
END_TEST

START_TEST(test_preempt_unlock)
{
	ck_assert_int_eq(boot(4, preempt_unlock_main), 0);
	ck_assert(preempt_flag);
}
END_TEST

START_TEST(test_preempt_one_cpu)
{
	ck_assert_int_eq(boot(1, preempt_point_main), 0);
	ck_assert(preempt_flag);
}
END_TEST

/* Join, exit and detach, and that they return every page. */
static bool exit_ran, exit_after;
static unsigned detached_done;
static size_t free_before, free_after_join, free_after_detach;
static size_t live_before, live_after_join, live_after_detach;

static void exit_early_helper(void)
{
	exit_ran = true;
	thread_exit();
}

static void exits_from_nested_call(void *unused)
{
	thread_sleep_ns(1 * MS);
	exit_early_helper();
	exit_after = true;	/* never reached */
}

static void returns_at_once(void *unused)
{
}

static void detached_worker(void *unused)
{
	thread_sleep_ns(1 * MS);
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_RELEASE);
}

static int join_main(void *unused)
{
	struct thread *t;
	unsigned i;

	free_before = page_free_count();
	live_before = kmalloc_live_bytes();
	t = spawn_on(-1, "exiter", exits_from_nested_call, NULL);
	thread_join(t);
	/* Joining a thread that exited long ago. */
	t = spawn_on(2, "quick", returns_at_once, NULL);
	thread_sleep_ns(5 * MS);
	thread_join(t);
	for (i = 0; i < 50; i++)
		thread_join(spawn_on(-1, "churn", returns_at_once, NULL));
	free_after_join = page_free_count();
	live_after_join = kmalloc_live_bytes();

	for (i = 0; i < 20; i++)
		thread_detach(spawn_on(-1, "detached", detached_worker, NULL));
	while (__atomic_load_n(&detached_done, __ATOMIC_ACQUIRE) < 20)
		thread_sleep_ns(1 * MS);
	/* The last ones are reaped by the thread their CPU runs next. */
	for (i = 0; i < 1000 && kmalloc_live_bytes() != live_before; i++)
		thread_sleep_ns(1 * MS);
	free_after_detach = page_free_count();
	live_after_detach = kmalloc_live_bytes();
	return 0;
}

START_TEST(test_join_exit_detach)
{
	ck_assert_int_eq(boot(4, join_main), 0);
	ck_assert(exit_ran);
	ck_assert(!exit_after);
	ck_assert_uint_eq(live_after_join, live_before);
	/*
	 * Every stack went back.  Not an exact page count: the heap keeps a
	 * free slab per class, and which CPU's cache served the churn decides
	 * whether one more slab page stays cached (seen under load).
	 */
	ck_assert_int_lt((long)free_before - (long)free_after_join,
	    (long)(context_stack_size() / PAGE_SIZE));
	ck_assert_uint_eq(detached_done, 20);
	ck_assert_uint_eq(live_after_detach, live_before);
	/* Every stack went back: the heap may keep a few slab pages cached. */
	ck_assert_int_lt((long)free_before - (long)free_after_detach,
	    (long)(context_stack_size() / PAGE_SIZE));
}
END_TEST

/* The first thread's return value comes back from hosted_boot(). */
static int returns_42(void *unused)
{
	return 42;
}

START_TEST(test_boot_status)
{
	ck_assert_int_eq(boot(2, returns_42), 42);
}
END_TEST

/* Unpinned CPU-bound threads spread over the CPUs. */
#define SPREAD_THREADS	8

static bool spread_ran_on[HOSTED_CPU_MAX];

static void spread_worker(void *unused)
{
	uint64_t end = clock_ns() + 30 * MS;

	while (clock_ns() < end) {
		spread_ran_on[cpu_id()] = true;
		sched_preempt_point();
	}
}

static int spread_main(void *unused)
{
	struct thread *t[SPREAD_THREADS];
	unsigned i;

	for (i = 0; i < SPREAD_THREADS; i++)
		t[i] = spawn_on(-1, "spread", spread_worker, NULL);
	for (i = 0; i < SPREAD_THREADS; i++)
		thread_join(t[i]);
	return 0;
}

START_TEST(test_load_spreads)
{
	unsigned i, used = 0;

	ck_assert_int_eq(boot(4, spread_main), 0);
	for (i = 0; i < 4; i++)
		used += spread_ran_on[i];
	ck_assert_uint_ge(used, 3);
}
END_TEST

/*
 * Deterministic mode: one vCPU, virtual time.  A mixed workload (spinners
 * preempted by the slice timer, sleepers, mutex contenders) logs who ran
 * when into a running hash; two boots in two fresh processes must agree
 * on every step.
 */
static struct det_result {
	uint64_t hash;
	unsigned steps;
	unsigned spinner_turns;	/* times one spinner took over from the other */
	unsigned last_spinner;
	uint64_t slept_ns;	/* virtual time a 20 ms sleep took */
	uint64_t real_ns;	/* host time the whole boot took */
} det;
static struct mutex det_mutex;

/* Fold one step (who, and the virtual time) into the hash. */
static void det_step(unsigned who)
{
	det.hash = (det.hash ^ who ^ (clock_ns() << 8)) * 1099511628211ull;
	det.steps++;
}

static void det_spinner(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, i;

	for (i = 0; i < 30000; i++) {
		det_step(me);
		if (det.last_spinner != me)
			det.spinner_turns++;
		det.last_spinner = me;
		sched_preempt_point();
	}
}

static void det_sleeper(void *arg)
{
	unsigned i;

	for (i = 0; i < 5; i++) {
		thread_sleep_ns(3 * MS);
		det_step(100);
	}
}

static void det_locker(void *arg)
{
	unsigned i;

	for (i = 0; i < 300; i++) {
		mutex_lock(&det_mutex);
		det_step((unsigned)(uintptr_t)arg);
		thread_yield();
		mutex_unlock(&det_mutex);
	}
}

static int det_main(void *unused)
{
	struct thread *t[6];
	uint64_t t0;
	unsigned i;

	det.hash = 1469598103934665603ull;
	mutex_init(&det_mutex, "det");
	t[0] = spawn_on(-1, "spin", det_spinner, (void *)1);
	t[1] = spawn_on(-1, "spin", det_spinner, (void *)2);
	t[2] = spawn_on(-1, "sleep", det_sleeper, NULL);
	t[3] = spawn_on(-1, "lock", det_locker, (void *)3);
	t[4] = spawn_on(-1, "lock", det_locker, (void *)4);
	t[5] = spawn_on(-1, "sleep", det_sleeper, NULL);
	t0 = clock_ns();
	thread_sleep_ns(20 * MS);
	det.slept_ns = clock_ns() - t0;
	for (i = 0; i < 6; i++)
		thread_join(t[i]);
	return 0;
}

/* Boot deterministically in a child process and bring back its result. */
static struct det_result det_run_in_child(void)
{
	struct hosted_config cfg = {
		.ncpus = 1, .mem_bytes = 32u << 20, .quiet = true,
		.deterministic = true,
	};
	struct det_result r;
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (hosted_boot(&cfg, det_main, NULL) != 0)
			_exit(1);
		clock_gettime(CLOCK_MONOTONIC, &b);
		det.real_ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
		    (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
		_exit(write(fds[1], &det, sizeof(det)) == sizeof(det) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &r, sizeof(r)), sizeof(r));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return r;
}

START_TEST(test_deterministic_one_cpu)
{
	struct det_result a = det_run_in_child(), b = det_run_in_child();

	ck_assert_uint_eq(a.steps, 2 * 30000 + 2 * 5 + 2 * 300);
	/* The slice timer (virtual) took turns between the spinners. */
	ck_assert_uint_ge(a.spinner_turns, 4);
	ck_assert_uint_eq(a.steps, b.steps);
	ck_assert_uint_eq(a.hash, b.hash);
	/* Virtual time: the sleep is long enough, but costs no real time. */
	ck_assert_uint_ge(a.slept_ns, 20 * MS);
	ck_assert_uint_eq(a.slept_ns, b.slept_ns);
	ck_assert_uint_lt(a.real_ns, 20000 * MS);
}
END_TEST

/* Misuse panics (abort: SIGABRT). */
static int recursive_spinlock(void *unused)
{
	static struct spinlock l = SPINLOCK_INIT("twice");

	spin_lock(&l);
	spin_lock(&l);
	return 0;
}

static int unlock_unheld(void *unused)
{
	static struct spinlock l = SPINLOCK_INIT("unheld");

	spin_unlock(&l);
	return 0;
}

static int sleep_holding_spinlock(void *unused)
{
	static struct spinlock l = SPINLOCK_INIT("held");

	spin_lock(&l);
	thread_sleep_ns(MS);
	return 0;
}

static int mutex_unlock_unowned(void *unused)
{
	static struct mutex m;

	mutex_init(&m, "unowned");
	mutex_unlock(&m);
	return 0;
}

START_TEST(test_recursive_spinlock_panics)
{
	boot(2, recursive_spinlock);
}
END_TEST

START_TEST(test_unlock_unheld_panics)
{
	boot(2, unlock_unheld);
}
END_TEST

START_TEST(test_sleep_holding_spinlock_panics)
{
	boot(2, sleep_holding_spinlock);
}
END_TEST

START_TEST(test_mutex_unlock_unowned_panics)
{
	boot(2, mutex_unlock_unowned);
}
END_TEST

/*
 * Address spaces follow threads: threads with their own pmaps, pinned two
 * to a CPU and some free to migrate, yield to each other and must find
 * their own pmap loaded every time they run; kernel threads (pmap NULL)
 * keep whatever was loaded, and a pmap that a CPU keeps only that way can
 * still be destroyed from another CPU.
 */
#define PMAP_THREADS	6
#define PMAP_ROUNDS	200

static struct pmap *pmap_of[PMAP_THREADS];
static unsigned pmap_wrong;	/* [a] times a thread found another pmap */

static void pmap_worker(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg, r;

	thread_set_pmap(pmap_of[i]);
	for (r = 0; r < PMAP_ROUNDS; r++) {
		thread_yield();
		if (pmap_current() != pmap_of[i])
			__atomic_fetch_add(&pmap_wrong, 1, __ATOMIC_RELAXED);
	}
	thread_set_pmap(NULL);
	if (pmap_current() != NULL)
		__atomic_fetch_add(&pmap_wrong, 1, __ATOMIC_RELAXED);
}

/* Exit with pmap_of[0] still loaded: CPU 1 keeps it (lazily). */
static void pmap_leaver(void *unused)
{
	thread_set_pmap(pmap_of[0]);
}

/* On CPU 0: destroy what CPU 1 keeps loaded for no thread. */
static void pmap_destroyer(void *unused)
{
	pmap_destroy(pmap_of[0]);
}

static int pmap_main(void *unused)
{
	struct thread *t[PMAP_THREADS];
	unsigned i;

	for (i = 0; i < PMAP_THREADS; i++)
		if ((pmap_of[i] = pmap_create()) == NULL)
			return 1;
	for (i = 0; i < PMAP_THREADS; i++)
		t[i] = spawn_on(i < 4 ? (int)(i % 2) : -1, "pmap",
		    pmap_worker, (void *)(uintptr_t)i);
	for (i = 0; i < PMAP_THREADS; i++)
		thread_join(t[i]);
	for (i = 1; i < PMAP_THREADS; i++)
		pmap_destroy(pmap_of[i]);
	thread_join(spawn_on(1, "pmap leaver", pmap_leaver, NULL));
	thread_join(spawn_on(0, "pmap destroyer", pmap_destroyer, NULL));
	return 0;
}

START_TEST(test_pmap_follows_thread)
{
	ck_assert_int_eq(boot(2, pmap_main), 0);
	ck_assert_uint_eq(pmap_wrong, 0);
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *s = suite_create("proc_sched");
	TCase *tc = tcase_create("sched");
	TCase *bad = tcase_create("misuse");

	/*
	 * Generous: 100,000 cross-CPU wakeups take a few seconds on a quiet
	 * host but far longer when 4 vCPUs share 2 loaded host cores (the
	 * whole suite runs beside AFL and QEMU); the test checks
	 * correctness, not speed.
	 */
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_token_ring);
	tcase_add_test(tc, test_token_ring_one_cpu);
	tcase_add_test(tc, test_mutex_counter);
	tcase_add_test(tc, test_mutex_counter_one_cpu);
	tcase_add_test(tc, test_spinlock_counter);
	tcase_add_test(tc, test_timed_sleep);
	tcase_add_test(tc, test_many_sleepers);
	tcase_add_test(tc, test_preempt_point);
	tcase_add_test(tc, test_preempt_unlock);
	tcase_add_test(tc, test_preempt_one_cpu);
	tcase_add_test(tc, test_join_exit_detach);
	tcase_add_test(tc, test_boot_status);
	tcase_add_test(tc, test_load_spreads);
	tcase_add_test(tc, test_deterministic_one_cpu);
	tcase_add_test(tc, test_pmap_follows_thread);
	suite_add_tcase(s, tc);

	tcase_set_timeout(bad, 30);
	tcase_add_test_raise_signal(bad, test_recursive_spinlock_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_unlock_unheld_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_sleep_holding_spinlock_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(bad, test_mutex_unlock_unowned_panics,
	    SIGABRT);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sched_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
