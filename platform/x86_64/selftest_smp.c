/*
 * In-kernel tests of the multiprocessor kernel (test=smp, ipi, preempt,
 * shootdown on the command line; selftest.c runs them and prints "NAME
 * test: ok").  They need real CPUs, real interrupts and a real TLB, so
 * they run under QEMU only (tests/qemu/smp.sh boots each with 1, 2 and 4
 * CPUs); every one of them also passes on a single CPU, where it checks
 * the local half of what it checks across CPUs.
 *
 *  - smp: threads pinned to every CPU, and as many free to migrate,
 *    increment one spinlock-protected counter and per-CPU counters; the
 *    totals must agree and every CPU must have run test threads, and the
 *    clock must never run backwards from one lock holder to the next.
 *  - ipi: for every ordered pair of CPUs, a thread on one kicks the other
 *    (cpu_kick(), a real IPI) and waits for the kick back from a thread
 *    there; prints the round trips and their mean and worst latency.
 *  - preempt: two threads pinned to one CPU; one spins on a flag without
 *    calling anything, the other must still get the CPU (timer
 *    preemption on interrupt return) and set the flag.
 *  - shootdown: one address space loaded on every CPU (a pinned thread
 *    each), its pages cached writable in every TLB by copies; then one
 *    CPU write-protects one page (invlpg path), then many (full flush
 *    path), then unmaps them, and after each step every CPU's copy must
 *    fault: the stale TLB entries are gone everywhere.  Then the space is
 *    destroyed while the other CPUs still have it loaded.
 *  - nmi: every CPU but the last prints ticks with interrupts disabled
 *    while the last one panics; cpu_halt_all()'s NMI must stop them all
 *    (tests/qemu/smp.sh checks that it says so and that no tick follows).
 *
 * The tests keep their work small (tenths of a second of real work),
 * since QEMU emulates four CPUs on however few host cores it gets.
 */
#include "contract/boot.h"
#include "contract/clock.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/sched.h"
#include "proc/spinlock.h"
#include "percpu.h"
#include "proc/thread.h"
#include "selftest.h"
#include "x86.h"

#define MS		1000000ul
#define US		1000ul
#define WAIT_LIMIT_NS	(5000 * MS)	/* a wait this long means a lost event */

/* Start a thread pinned to cpu, or fail the test. */
static struct thread *spawn_on(unsigned cpu, const char *name,
    void (*fn)(void *), void *arg)
{
	struct thread *t = thread_create_on(cpu, name, fn, arg);

	if (t == NULL)
		panic("selftest_smp: no memory for thread %s", name);
	return t;
}

/* ---- smp: shared and per-CPU counters ---- */

#define SMP_ROUNDS	4000

struct smp_counter {
	uint64_t n;
} __attribute__((aligned(64)));

static struct spinlock smp_lock = SPINLOCK_INIT("smp test");
static uint64_t smp_shared;			/* under smp_lock */
static uint64_t smp_last_ns;			/* under smp_lock */
static unsigned smp_backwards;			/* under smp_lock */
static struct smp_counter *smp_percpu;		/* [o] its CPU, interrupts off */

/*
 * Count SMP_ROUNDS times, in both counters.  The clock, read under the
 * lock, must never go back from one holder to the next, whatever CPUs
 * they run on: clock_ns() agrees across CPUs.
 */
static void smp_worker(void *arg)
{
	unsigned long s;
	uint64_t now;
	int i;

	for (i = 0; i < SMP_ROUNDS; i++) {
		spin_lock(&smp_lock);
		smp_shared++;
		now = clock_ns();
		if (now < smp_last_ns)
			smp_backwards++;
		smp_last_ns = now;
		spin_unlock(&smp_lock);
		s = intr_save();
		smp_percpu[cpu_id()].n++;
		intr_restore(s);
		if (i % 512 == 0)
			thread_yield();
	}
}

/* Two pinned threads per CPU and as many unpinned; check the sums. */
void selftest_smp(void)
{
	unsigned ncpu = cpu_count(), nthreads = 3 * ncpu, i;
	struct thread **t;
	uint64_t sum = 0, t0 = clock_ns();

	CHECK(smp_cpus_online() == ncpu);
	smp_percpu = kzalloc(ncpu * sizeof(*smp_percpu));
	t = kzalloc(nthreads * sizeof(*t));
	CHECK(smp_percpu != NULL && t != NULL);
	if (smp_percpu == NULL || t == NULL)
		platform_poweroff(1);	/* the CHECK above failed */
	for (i = 0; i < nthreads; i++) {
		if (i < 2 * ncpu)
			t[i] = spawn_on(i % ncpu, "smp pinned", smp_worker, NULL);
		else if ((t[i] = thread_create("smp free", smp_worker,
		    NULL)) == NULL)
			panic("selftest_smp: no memory for a thread");
	}
	for (i = 0; i < nthreads; i++)
		thread_join(t[i]);
	for (i = 0; i < ncpu; i++) {
		printk("smp test: cpu %u counted %lu, %lu switches\n", i,
		    smp_percpu[i].n, sched_switches(i));
		CHECK(smp_percpu[i].n > 0);
		sum += smp_percpu[i].n;
	}
	CHECK(smp_shared == (uint64_t)nthreads * SMP_ROUNDS);
	CHECK(smp_backwards == 0);
	CHECK(sum == (uint64_t)nthreads * SMP_ROUNDS);
	printk("smp test: %u threads on %u cpus, %lu increments in %lu ms\n",
	    nthreads, ncpu, smp_shared, (clock_ns() - t0) / MS);
	kfree(t);
	kfree(smp_percpu);
}

/* ---- ipi: kick round trips between every pair of CPUs ---- */

#define IPI_ROUNDS	40

struct ipi_pair {
	unsigned a, b;			/* pinger's and ponger's CPUs */
	bool ponger_ready;		/* [a] */
	bool ok;			/* every round trip completed */
	uint64_t total_ns, max_ns;	/* pinger's */
};

/* Wait until CPU cpu has taken a kick beyond *seen; false on timeout. */
static bool await_kick(unsigned cpu, uint64_t *seen)
{
	uint64_t start = clock_ns(), now;

	while ((now = cpu_kicks(cpu)) == *seen) {
		if (clock_ns() - start > WAIT_LIMIT_NS)
			return false;
		cpu_relax();
	}
	*seen = now;
	return true;
}

/* On CPU b: answer each kick with a kick to CPU a. */
static void ipi_ponger(void *arg)
{
	struct ipi_pair *p = arg;
	uint64_t seen = cpu_kicks(p->b);
	int r;

	__atomic_store_n(&p->ponger_ready, true, __ATOMIC_RELEASE);
	for (r = 0; r < IPI_ROUNDS; r++) {
		if (!await_kick(p->b, &seen))
			return;
		cpu_kick(p->a);
	}
}

/* On CPU a: kick CPU b and time the kick that comes back. */
static void ipi_pinger(void *arg)
{
	struct ipi_pair *p = arg;
	uint64_t seen, t0, dt;
	int r;

	while (!__atomic_load_n(&p->ponger_ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	seen = cpu_kicks(p->a);
	p->ok = true;
	for (r = 0; r < IPI_ROUNDS && p->ok; r++) {
		t0 = clock_ns();
		cpu_kick(p->b);
		p->ok = await_kick(p->a, &seen);
		dt = clock_ns() - t0;
		p->total_ns += dt;
		p->max_ns = MAX(p->max_ns, dt);
	}
}

/* IPI_ROUNDS round trips from CPU a to CPU b (a == b: kicks to self). */
static void ipi_run_pair(struct ipi_pair *p)
{
	struct thread *ping, *pong = NULL;

	if (p->a != p->b)
		pong = spawn_on(p->b, "ipi pong", ipi_ponger, p);
	else
		p->ponger_ready = true;
	ping = spawn_on(p->a, "ipi ping", ipi_pinger, p);
	thread_join(ping);
	if (pong != NULL)
		thread_join(pong);
}

/* Every ordered pair of distinct CPUs, or self-kicks with one CPU. */
void selftest_ipi(void)
{
	unsigned ncpu = cpu_count(), a, b, pairs = 0;
	uint64_t total = 0, worst = 0;
	struct ipi_pair p;

	for (a = 0; a < ncpu; a++) {
		for (b = 0; b < ncpu; b++) {
			if (a == b && ncpu > 1)
				continue;
			memset(&p, 0, sizeof(p));
			p.a = a;
			p.b = b;
			ipi_run_pair(&p);
			if (!p.ok)
				printk("ipi test: cpu %u -> cpu %u: a kick "
				    "was lost\n", a, b);
			CHECK(p.ok);
			total += p.total_ns;
			worst = MAX(worst, p.max_ns);
			pairs++;
		}
	}
	printk("ipi test: %u round trips over %u cpu pair%s, mean %lu us, "
	    "worst %lu us\n", pairs * IPI_ROUNDS, pairs, pairs == 1 ? "" : "s",
	    total / (pairs * IPI_ROUNDS) / US, worst / US);
}

/* ---- preempt: a thread that never calls anything loses the CPU ---- */

static volatile int preempt_flag;
static volatile int preempt_spinning;
static uint64_t preempt_spin_start, preempt_flag_set;

/* Spin on a flag with interrupts on, calling nothing. */
static void preempt_spinner(void *arg)
{
	preempt_spin_start = clock_ns();
	preempt_spinning = 1;
	while (!preempt_flag)
		continue;
}

/* Once the spinner spins, set its flag: only preemption lets us run. */
static void preempt_setter(void *arg)
{
	while (!preempt_spinning)
		thread_yield();
	preempt_flag_set = clock_ns();
	preempt_flag = 1;
}

/* Both threads on the last CPU; the setter must get a turn. */
void selftest_preempt(void)
{
	unsigned cpu = cpu_count() - 1;
	uint64_t switches = sched_switches(cpu), waited;
	struct thread *spin, *set;

	spin = spawn_on(cpu, "spinner", preempt_spinner, NULL);
	set = spawn_on(cpu, "setter", preempt_setter, NULL);
	thread_join(set);
	thread_join(spin);
	CHECK(preempt_flag == 1);
	CHECK(preempt_flag_set >= preempt_spin_start);
	waited = preempt_flag_set - preempt_spin_start;
	CHECK(sched_switches(cpu) > switches);
	printk("preempt test: cpu %u took the spinner off after %lu.%03lu ms\n",
	    cpu, waited / MS, waited / US % 1000);
}

/* ---- nmi: a panic stops CPUs that have interrupts disabled ---- */

static unsigned nmi_ticking;			/* [a] tickers started */

/* Print ticks forever with interrupts off: only an NMI can stop this. */
static void nmi_ticker(void *arg)
{
	uint64_t next = clock_ns();

	intr_disable();
	__atomic_fetch_add(&nmi_ticking, 1, __ATOMIC_RELEASE);
	for (;;) {
		if (clock_ns() >= next) {
			printk("nmi test: tick from cpu %u\n", cpu_id());
			next = clock_ns() + 20 * MS;
		}
		cpu_relax();
	}
}

/*
 * The last CPU starts a ticker on every other CPU, then panics once they
 * all tick.  It spawns them itself because no ticker runs on its CPU: a
 * spawner elsewhere could be taken off its CPU by the ticker it just put
 * there, before it had spawned the rest (seen as a hang in 3 of 40 boots).
 */
static void nmi_panicker(void *arg)
{
	unsigned others = cpu_count() - 1, i;

	for (i = 0; i < others; i++)
		spawn_on(i, "nmi ticker", nmi_ticker, NULL);
	while (__atomic_load_n(&nmi_ticking, __ATOMIC_ACQUIRE) < others)
		cpu_relax();
	thread_sleep_ns(50 * MS);
	panic("nmi test: deliberate panic on cpu %u", cpu_id());
}

/*
 * Never returns: the panic ends the test (see tests/qemu/smp.sh).  This
 * thread may lose its CPU to a ticker for good, so it only waits.
 */
void selftest_nmi(void)
{
	struct thread *t;

	t = spawn_on(cpu_count() - 1, "nmi panicker", nmi_panicker, NULL);
	thread_join(t);
	CHECK(!"the panicking thread returned");
}

/* ---- shootdown: remote TLB entries are invalidated ---- */

#define SD_PAGES	(TLB_FLUSH_MAX_PAGES + 8)	/* beyond invlpg's limit */
#define SD_BASE		((uaddr_t)0x40000000)
#define SD_STEPS	3

static struct pmap *sd_pmap;
static paddr_t sd_frames[SD_PAGES];
static unsigned sd_arrived, sd_generation;	/* [a] the barrier */
static unsigned sd_threads;

/* Wait until all sd_threads threads got here, with interrupts on. */
static void sd_barrier(void)
{
	unsigned gen = __atomic_load_n(&sd_generation, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&sd_arrived, 1, __ATOMIC_ACQ_REL) ==
	    sd_threads) {
		__atomic_store_n(&sd_arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sd_generation, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&sd_generation, __ATOMIC_ACQUIRE) == gen)
		cpu_relax();
}

/* The user address of test page i. */
static uaddr_t sd_va(unsigned i)
{
	return SD_BASE + (uaddr_t)i * PAGE_SIZE;
}

/* Cache every test page writable in this CPU's TLB: write, then read. */
static void sd_fill(void)
{
	char c = (char)cpu_id(), back;
	unsigned i;

	for (i = 0; i < SD_PAGES; i++) {
		CHECK(copyout(sd_va(i) + cpu_id(), &c, 1) == 0);
		CHECK(copyin(&back, sd_va(i) + cpu_id(), 1) == 0 && back == c);
	}
}

/* What every CPU checks after step `step` of the initiator. */
static void sd_check(unsigned step)
{
	char c = 'x';
	unsigned i;

	switch (step) {
	case 0:		/* page 0 write-protected: one invlpg */
		CHECK(copyout(sd_va(0), &c, 1) == -EFAULT);
		CHECK(copyin(&c, sd_va(0), 1) == 0);
		CHECK(copyout(sd_va(1), &c, 1) == 0);
		break;
	case 1:		/* all write-protected: a full flush */
		for (i = 1; i < SD_PAGES; i++)
			CHECK(copyout(sd_va(i), &c, 1) == -EFAULT);
		break;
	case 2:		/* all unmapped */
		for (i = 0; i < SD_PAGES; i++)
			CHECK(copyin(&c, sd_va(i), 1) == -EFAULT);
		break;
	}
}

/* The initiator's step: change the mappings, shooting down on return. */
static void sd_step(unsigned step)
{
	switch (step) {
	case 0:
		pmap_protect(sd_pmap, sd_va(0), sd_va(1), PROT_R);
		break;
	case 1:
		pmap_protect(sd_pmap, sd_va(0), sd_va(SD_PAGES), PROT_R);
		break;
	case 2:
		pmap_remove(sd_pmap, sd_va(0), sd_va(SD_PAGES));
		break;
	}
}

/*
 * On each CPU: load the space, cache it, then check after every step.
 * Only CPU 0 unloads it at the end; the others exit with it loaded, so
 * their CPUs keep it (the scheduler switches lazily) and pmap_destroy()
 * must make them let go.
 */
static void sd_worker(void *arg)
{
	bool initiator = cpu_id() == 0;
	unsigned step;

	thread_set_pmap(sd_pmap);
	sd_fill();
	sd_barrier();
	for (step = 0; step < SD_STEPS; step++) {
		if (initiator)
			sd_step(step);
		sd_barrier();
		sd_check(step);
		sd_barrier();
	}
	if (initiator)
		thread_set_pmap(NULL);
}

/* A vm_fault() that resolves nothing: every fault of the test is real. */
static int sd_no_fault(uaddr_t va, unsigned access)
{
	return -EFAULT;
}

/* How many CPUs have sd_pmap loaded now. */
static unsigned sd_loaded_on(void)
{
	unsigned i, n = 0;

	for (i = 0; i < cpu_count(); i++)
		if (__atomic_load_n(&percpu_of(i)->pmap, __ATOMIC_RELAXED) ==
		    sd_pmap)
			n++;
	return n;
}

/* One thread per CPU in one address space; CPU 0 changes it. */
void selftest_shootdown(void)
{
	unsigned ncpu = cpu_count(), i, kept;
	struct thread **t = kzalloc(ncpu * sizeof(*t));

	sd_pmap = pmap_create();
	CHECK(t != NULL && sd_pmap != NULL);
	if (t == NULL || sd_pmap == NULL)
		platform_poweroff(1);	/* the CHECK above failed */
	for (i = 0; i < SD_PAGES; i++) {
		sd_frames[i] = page_alloc(0, PAGE_ZERO);
		CHECK(sd_frames[i] != 0);
		CHECK(pmap_enter(sd_pmap, sd_va(i), sd_frames[i],
		    PROT_R | PROT_W) == 0);
	}
	usercopy_vm_fault = sd_no_fault;
	sd_threads = ncpu;
	for (i = 0; i < ncpu; i++)
		t[i] = spawn_on(i, "shootdown", sd_worker, NULL);
	for (i = 0; i < ncpu; i++)
		thread_join(t[i]);
	usercopy_vm_fault = vm_fault;
	printk("shootdown test: %u cpus, %u pages: stale entries gone after "
	    "invlpg, full flush and unmap\n", ncpu, SD_PAGES);
	kept = sd_loaded_on();
	CHECK(kept == ncpu - 1);
	pmap_destroy(sd_pmap);
	CHECK(sd_loaded_on() == 0);
	printk("shootdown test: destroyed while loaded on %u other cpu%s\n",
	    kept, kept == 1 ? "" : "s");
	for (i = 0; i < SD_PAGES; i++)
		page_free(sd_frames[i], 0);
	kfree(t);
}
