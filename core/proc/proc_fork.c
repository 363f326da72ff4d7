/*
 * Making processes and threads: fork(2), vfork(2), clone(2).
 *
 * One path does all three (proc_clone): fork is clone(SIGCHLD), vfork is
 * clone(CLONE_VM | CLONE_VFORK | SIGCHLD).  The flag sets accepted are
 * the ones musl and glibc use -- for fork, vfork, posix_spawn and
 * pthread_create (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
 * CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
 * CLONE_CHILD_CLEARTID) -- plus CLONE_CHILD_SETTID, CLONE_PARENT and the
 * flags Linux ignores.  Namespaces, pidfds and ptrace are refused with
 * EINVAL; so are two combinations Linux allows but nobody uses here: a
 * thread with its own fd table (CLONE_THREAD without CLONE_FILES) and a
 * vfork'ed thread.
 *
 * As in OpenBSD's fork1, everything that can fail comes first (address
 * space, fd table, user context, pid, the CLONE_PARENT_SETTID store);
 * after the child is linked into the tree only the kernel thread's
 * creation can fail, and that is undone by unlinking.  The new thread
 * starts in user_thread_start(), which attaches itself to the process,
 * stores CLONE_CHILD_SETTID's tid in the child's memory and enters user
 * mode through uctx_enter() with the context that uctx_fork() copied
 * from the parent (the child sees 0 from the syscall).
 */
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define CSIGNAL			0x000000ffULL
#define CLONE_VM		0x00000100ULL
#define CLONE_FS		0x00000200ULL
#define CLONE_FILES		0x00000400ULL
#define CLONE_SIGHAND		0x00000800ULL
#define CLONE_PIDFD		0x00001000ULL
#define CLONE_PTRACE		0x00002000ULL
#define CLONE_VFORK		0x00004000ULL
#define CLONE_PARENT		0x00008000ULL
#define CLONE_THREAD		0x00010000ULL
#define CLONE_NEWNS		0x00020000ULL
#define CLONE_SYSVSEM		0x00040000ULL
#define CLONE_SETTLS		0x00080000ULL
#define CLONE_PARENT_SETTID	0x00100000ULL
#define CLONE_CHILD_CLEARTID	0x00200000ULL
#define CLONE_DETACHED		0x00400000ULL
#define CLONE_UNTRACED		0x00800000ULL
#define CLONE_CHILD_SETTID	0x01000000ULL
#define CLONE_NEWCGROUP		0x02000000ULL
#define CLONE_NEWUTS		0x04000000ULL
#define CLONE_NEWIPC		0x08000000ULL
#define CLONE_NEWUSER		0x10000000ULL
#define CLONE_NEWPID		0x20000000ULL
#define CLONE_NEWNET		0x40000000ULL
#define CLONE_IO		0x80000000ULL


/* Flags we honour or, as Linux does, ignore. */
#define CLONE_OK	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | \
	CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | \
	CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED | \
	CLONE_CHILD_SETTID | CLONE_IO)

/* What the new thread needs to start, handed over by the parent. */
struct ustart {
	struct proc *proc;
	struct uctx *uctx;
	int tid;
	uaddr_t set_tid;	/* CLONE_CHILD_SETTID */
	uaddr_t clear_tid;	/* CLONE_CHILD_CLEARTID */
	uint64_t sigmask;	/* the parent thread's blocked signals */
	struct kstack altstack;	/* its alternate signal stack, for fork */
};

/* The consistency rules of Linux's copy_process(), and ours. */
static int
clone_check(uint64_t flags)
{
	if (flags & ~CLONE_OK)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_FILES))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && (flags & CLONE_VFORK))
		return -EINVAL;
	return 0;
}

/* A new user thread's first code: join the process, then user mode. */
static void
user_thread_start(void *arg)
{
	struct ustart s = *(struct ustart *)arg;
	struct thread *t = curthread();

	kfree(arg);
	proc_attach_thread(s.proc, s.uctx, s.tid);
	t->clear_child_tid = s.clear_tid;
	t->sig.mask = s.sigmask;
	t->sig.altstack = s.altstack;
	if (s.set_tid != 0)
		copyout(s.set_tid, &s.tid, sizeof(int));
	proc_exit_point();
	uctx_enter(s.uctx);
}

/* Start a kernel thread for s; -ENOMEM when no stack could be had. */
static int
start_thread(struct ustart *s, const char *name)
{
	struct thread *t = thread_create(name, user_thread_start, s);

	if (t == NULL)
		return -ENOMEM;
	thread_detach(t);
	return 0;
}

/* The child's user context: the parent's, with the new sp and tls. */
static struct uctx *
child_uctx(uint64_t flags, uaddr_t sp, uaddr_t tls)
{
	struct uctx *u = uctx_alloc();

	if (u != NULL)
		uctx_fork(u, curthread()->uctx, sp,
		    (flags & CLONE_SETTLS) ? tls : 0);
	return u;
}

/* clone(CLONE_THREAD): a new thread in the caller's process. */
static long
clone_thread(uint64_t flags, struct ustart *s, uaddr_t ptid)
{
	struct proc *p = proc_current();
	int r;

	spin_lock(&proc_lock);
	s->tid = pid_alloc();
	spin_unlock(&proc_lock);
	if (s->tid < 0)
		return s->tid;
	if ((flags & CLONE_PARENT_SETTID) &&
	    copyout(ptid, &s->tid, sizeof(int)) != 0)
		return -EFAULT;
	s->proc = p;
	spin_lock(&proc_lock);
	p->nthreads++;
	spin_unlock(&proc_lock);
	r = s->tid;
	if (start_thread(s, "uthread") != 0) {
		spin_lock(&proc_lock);
		p->nthreads--;
		spin_unlock(&proc_lock);
		return -ENOMEM;
	}
	return r;
}

/* The child process's memory and files, shared or copied per flags. */
static int
child_resources(struct proc *c, struct proc *p, uint64_t flags)
{
	if (flags & CLONE_VM) {
		vmspace_ref(p->vmspace);
		c->vmspace = p->vmspace;
	} else if ((c->vmspace = vmspace_fork(p->vmspace)) == NULL)
		return -ENOMEM;
	if (flags & CLONE_FILES) {
		fdtable_ref(p->fdt);
		c->fdt = p->fdt;
	} else
		c->fdt = fdtable_copy(p->fdt);
	vfs_proc_init(c, p);
	return 0;
}

/* Undo child_resources() and proc_alloc() for a fork that failed. */
static void
child_discard(struct proc *c)
{
	vfs_proc_release(c);
	fdtable_unref(c->fdt);
	vmspace_unref(c->vmspace);
	proc_free(c);
}

/* vfork: sleep until the child execs or exits. */
static void
vfork_wait(struct proc *c)
{
	spin_lock(&proc_lock);
	while (!c->vfork_done)
		waitq_wait(&c->vfork_wq, &proc_lock);
	spin_unlock(&proc_lock);
}

/* A new process: fork, vfork, and clone without CLONE_THREAD. */
static long
clone_process(uint64_t flags, struct ustart *s, uaddr_t ptid)
{
	struct proc *p = proc_current(), *c;
	int pid, r;

	c = proc_alloc(p);
	if ((r = child_resources(c, p, flags)) != 0) {
		proc_free(c);
		return r;
	}
	spin_lock(&proc_lock);
	pid = pid_alloc();
	spin_unlock(&proc_lock);
	if (pid < 0 || ((flags & CLONE_PARENT_SETTID) &&
	    copyout(ptid, &pid, sizeof(int)) != 0)) {
		child_discard(c);
		return pid < 0 ? pid : -EFAULT;
	}
	c->pid = s->tid = pid;
	c->exit_signal = (int)(flags & CSIGNAL);
	c->nthreads = 1;
	s->proc = c;
	spin_lock(&proc_lock);
	c->parent = (flags & CLONE_PARENT) ? p->parent : p;
	c->ctty = p->ctty;
	proc_link(c);
	spin_unlock(&proc_lock);
	if (start_thread(s, c->name) != 0) {
		spin_lock(&proc_lock);
		proc_unlink(c);
		spin_unlock(&proc_lock);
		child_discard(c);
		return -ENOMEM;
	}
	if (flags & CLONE_VFORK)
		vfork_wait(c);
	return pid;
}

long
proc_clone(uint64_t flags, uaddr_t sp, uaddr_t ptid, uaddr_t ctid,
    uaddr_t tls)
{
	struct ustart *s;
	long r;

	if ((r = clone_check(flags)) != 0)
		return r;
	if ((flags & CLONE_PARENT) && proc_current()->pid == 1)
		return -EINVAL;
	s = kzalloc(sizeof(*s));
	s->uctx = child_uctx(flags, sp, tls);
	if (s->uctx == NULL) {
		kfree(s);
		return -ENOMEM;
	}
	s->sigmask = curthread()->sig.mask;
	/* A thread sharing the memory must not share the stack (Linux). */
	s->altstack = curthread()->sig.altstack;
	if (flags & CLONE_VM)
		s->altstack = (struct kstack){ .flags = SS_DISABLE };
	if (flags & CLONE_CHILD_SETTID)
		s->set_tid = ctid;
	if (flags & CLONE_CHILD_CLEARTID)
		s->clear_tid = ctid;
	if (flags & CLONE_THREAD)
		r = clone_thread(flags, s, ptid);
	else
		r = clone_process(flags, s, ptid);
	if (r < 0) {
		uctx_free(s->uctx);
		kfree(s);
	}
	return r;
}

/* clone(2), x86-64 argument order: flags, stack, parent_tid, child_tid, tls. */
long
sys_clone(const struct syscall_args *a)
{
	return proc_clone(a->a[0], a->a[1], a->a[2], a->a[3], a->a[4]);
}

long
sys_fork(const struct syscall_args *a)
{
	(void)a;
	return proc_clone(SIGCHLD, 0, 0, 0, 0);
}

long
sys_vfork(const struct syscall_args *a)
{
	(void)a;
	return proc_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}
