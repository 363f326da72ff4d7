/*
 * The kernel side of `biscotti mount`: a pool of user threads that run
 * host requests (fuse_bridge.h).
 *
 * A host thread cannot take a kernel spinlock (it is no vCPU), so
 * submission is lock-free: bridge_submit() pushes the request on a
 * stack with a compare-and-swap and posts a device interrupt
 * (hosted_irq_post); the handler, on a vCPU with interrupts off, moves
 * the stack, oldest first, onto the kernel's queue under its spinlock
 * and wakes the workers, as a NIC's handler would hand packets on.
 * Workers are threads of init's process (CLONE_THREAD, CLONE_FILES), so
 * an fd one opens is good in every other: libfuse may send an open, a
 * read and a release to different threads.  A finished request goes
 * back through the config's done() callback, which signals the host
 * thread's condition variable.
 */
#include "fuse_bridge.h"
#include "hosted.h"
#include "kern/errno.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"
#include "sys/syscall.h"

#define CLONE_VM_	0x00000100ul
#define CLONE_FS_	0x00000200ul
#define CLONE_FILES_	0x00000400ul
#define CLONE_SIGHAND_	0x00000800ul
#define CLONE_THREAD_	0x00010000ul
#define CLONE_SYSVSEM_	0x00040000ul
#define WORKER_FLAGS	(CLONE_VM_ | CLONE_FS_ | CLONE_FILES_ | \
			    CLONE_SIGHAND_ | CLONE_THREAD_ | CLONE_SYSVSEM_)

/* Kernel fds the bridge may hold: one per open file or directory. */
#define BRIDGE_NOFILE	65536

static struct {
	struct spinlock lock;
	struct waitq wq;		/* workers wait for work; init for the end */
	struct bridge_req *head, *tail;	/* [lock] FIFO */
	bool quit;			/* [lock] no more requests will come */
	unsigned active;		/* [lock] workers still running */
	const struct bridge_config *cfg;
} bq = {
	.lock = SPINLOCK_INIT("bridge"),
};

static struct bridge_req *incoming;	/* atomic: pushed by host threads */
static int quit_asked;			/* atomic */
static long max_fd;			/* atomic: bridge_note_fd() */

/* On a vCPU, interrupts off: move what host threads pushed to the queue. */
static void
bridge_irq(void *arg)
{
	struct bridge_req *r, *rev = NULL, *next;

	r = __atomic_exchange_n(&incoming, NULL, __ATOMIC_ACQUIRE);
	for (; r != NULL; r = next) {	/* the stack is newest first */
		next = r->next;
		r->next = rev;
		rev = r;
	}
	spin_lock(&bq.lock);
	for (r = rev; r != NULL; r = next) {
		next = r->next;
		r->next = NULL;
		if (bq.tail != NULL)
			bq.tail->next = r;
		else
			bq.head = r;
		bq.tail = r;
	}
	if (__atomic_load_n(&quit_asked, __ATOMIC_ACQUIRE))
		bq.quit = true;
	spin_unlock(&bq.lock);
	waitq_wake_all(&bq.wq);
}

static struct hosted_irq irq = { .handler = bridge_irq, .vcpu = 0 };

void
bridge_submit(struct bridge_req *r)
{
	struct bridge_req *head = __atomic_load_n(&incoming, __ATOMIC_RELAXED);

	do
		r->next = head;
	while (!__atomic_compare_exchange_n(&incoming, &head, r, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	hosted_irq_post(&irq);
}

void
bridge_note_fd(long fd)
{
	long cur = __atomic_load_n(&max_fd, __ATOMIC_RELAXED);

	while (fd > cur && !__atomic_compare_exchange_n(&max_fd, &cur, fd,
	    true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void
bridge_quit(void)
{
	__atomic_store_n(&quit_asked, 1, __ATOMIC_RELEASE);
	hosted_irq_post(&irq);
}

/* A worker: run requests until the queue is empty and quit is set. */
static int
bridge_worker(void *arg)
{
	struct kscratch s;
	struct bridge_req *r;
	long err = kcall_scratch(&s);

	for (;;) {
		spin_lock(&bq.lock);
		while (bq.head == NULL && !bq.quit)
			waitq_wait(&bq.wq, &bq.lock);
		r = bq.head;
		if (r == NULL) {
			bq.active--;
			spin_unlock(&bq.lock);
			waitq_wake_all(&bq.wq);
			break;
		}
		if ((bq.head = r->next) == NULL)
			bq.tail = NULL;
		spin_unlock(&bq.lock);
		r->result = err != 0 ? err : r->fn(&s, r->arg);
		bq.cfg->done(r);
	}
	hosted_syscall(SYS_exit, 0);
	return 0;
}

int
bridge_main(void *arg)
{
	const struct bridge_config *cfg = arg;
	struct kscratch s;
	unsigned i;
	long err;
	int fd;

	bq.cfg = cfg;
	waitq_init(&bq.wq, "bridge");
	if ((err = kcall_scratch(&s)) != 0) {
		cfg->ready(err);
		return 1;
	}
	/* Modes arrive with the caller's umask applied already. */
	kc_umask(&s, 0);
	kc_set_nofile(&s, BRIDGE_NOFILE);
	if ((err = cfg->setup(&s, cfg->arg)) != 0) {
		cfg->ready(err);
		return 1;
	}
	for (i = 0; i < (cfg->nworkers ? cfg->nworkers : 1); i++) {
		spin_lock(&bq.lock);
		bq.active++;
		spin_unlock(&bq.lock);
		if (hosted_clone(WORKER_FLAGS, 0, 0, 0, 0, bridge_worker,
		    NULL) < 0) {
			spin_lock(&bq.lock);
			bq.active--;
			spin_unlock(&bq.lock);
			break;
		}
	}
	if (i == 0) {
		/* No thread to serve anything: give the mount back. */
		cfg->ready(-ENOMEM);
		cfg->teardown(&s, cfg->arg);
		return 1;
	}
	cfg->ready(0);

	spin_lock(&bq.lock);
	while (!bq.quit || bq.active > 0)
		waitq_wait(&bq.wq, &bq.lock);
	spin_unlock(&bq.lock);

	/* Files the host left open (a forced unmount) must not pin the mount. */
	for (fd = 3; fd <= __atomic_load_n(&max_fd, __ATOMIC_RELAXED); fd++)
		kc_close(&s, fd);
	return cfg->teardown(&s, cfg->arg) == 0 ? 0 : 1;
}
