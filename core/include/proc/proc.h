/*
 * Processes: the Linux process model over kernel threads.
 *
 * A process (struct proc) is an address space, a file descriptor table,
 * credentials, resource limits, a place in the process tree (parent,
 * children, process group, session) and one or more threads.  A user
 * thread is a kernel thread whose `proc` and `uctx` (the user register
 * context, contract/uctx.h) are set; the process's pid is the tid of its
 * first thread, and other threads' tids come from the same number space,
 * as on Linux.
 *
 * Life cycle: proc_init() turns the calling kernel thread into init
 * (pid 1); fork/vfork/clone make the others.  A process ends when its
 * last thread exits: it closes its files, drops its address space, gives
 * its children to init, and stays a zombie holding its wait status until
 * its parent reaps it with wait4/waitid.  When init ends, the machine
 * powers off with init's exit status (how QEMU tests end).
 *
 * Locking: one spinlock, proc_lock (proc.c), guards the process tree,
 * the pid space, every field marked [p] below and each process's thread
 * list.  [i] is immutable after creation; [f] belongs to the fd table's
 * own lock (fs/file.h).  Coarse, like xv6's wait_lock, and simple to get
 * right; the tree changes only at fork, exit and wait.
 */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include "kern/types.h"
#include "lib/list.h"
#include "proc/acct_counts.h"
#include "proc/signal_state.h"
#include "proc/waitq.h"

struct dentry;
struct fdtable;
struct uctx;
struct vmspace;

/* Resource limits (getrlimit(2)), Linux's numbering. */
#define RLIMIT_CPU		0
#define RLIMIT_FSIZE		1
#define RLIMIT_DATA		2
#define RLIMIT_STACK		3
#define RLIMIT_CORE		4
#define RLIMIT_RSS		5
#define RLIMIT_NPROC		6
#define RLIMIT_NOFILE		7
#define RLIMIT_MEMLOCK		8
#define RLIMIT_AS		9
#define RLIMIT_LOCKS		10
#define RLIMIT_SIGPENDING	11
#define RLIMIT_MSGQUEUE		12
#define RLIMIT_NICE		13
#define RLIMIT_RTPRIO		14
#define RLIMIT_RTTIME		15
#define RLIM_NLIMITS		16
#define RLIM_INFINITY		(~0ULL)

/* The most fds a process may have: the ceiling of RLIMIT_NOFILE (nr_open). */
#define NR_OPEN			4096
/* Supplementary groups a process may have (Linux allows 65536). */
#define PROC_NGROUPS_MAX	64

struct rlimit64 {
	uint64_t cur, max;
};

struct cred {
	uint32_t uid, euid, suid;
	uint32_t gid, egid, sgid;
	int ngroups;
	uint32_t groups[PROC_NGROUPS_MAX];
};

enum proc_state {
	PROC_ALIVE,
	PROC_ZOMBIE,		/* all threads gone; waiting to be reaped */
};

struct proc {
	int pid;			/* [i] */
	struct proc *parent;		/* [p] init after reparenting */
	struct list children;		/* [p] of struct proc, by sibling */
	struct list sibling;		/* [p] in parent's children */
	struct list all_link;		/* [p] in the list of every process */
	int pgid, sid;			/* [p] process group, session */
	int ctty;			/* [p] controlling tty: dev/tty_ctty.c */
	int exit_signal;		/* [p] sent to the parent; SIGCHLD once adopted */
	struct cred cred;		/* [p] */
	struct rlimit64 rlim[RLIM_NLIMITS]; /* [p] */
	struct vmspace *vmspace;	/* [i] (exec will swap it) */
	struct fdtable *fdt;		/* [i] the table; its contents [f] */
	struct dentry *cwd, *root;	/* [v] fs/vfs.h: under vfs_lock */
	uint32_t umask;			/* [v] */
	struct dentry *exe;		/* [v] the file exec'd (/proc) */
	uaddr_t arg_start, arg_end;	/* [p] argv strings, set at exec */
	enum proc_state state;		/* [p] */
	int wstatus;			/* [p] wait status once exiting */
	bool exiting;			/* [p] exit_group or a fatal signal */
	bool did_exec;			/* [p] for setpgid's EACCES */
	bool vfork_done;		/* [p] exec or exit released the parent */
	struct waitq vfork_wq;		/* the vfork parent waits here */
	struct waitq child_wq;		/* wait4/waitid wait here */
	struct list threads;		/* [p] of struct thread, by proc_link */
	int nthreads;			/* [p] threads not yet exited */
	char name[16];			/* [p] */
	struct proc_sig sig;		/* [p] handlers, pending (proc/signal.h) */
	/* [p] interval timers (kern/time.c); a new process has them off. */
	uint64_t itimer_real_when;	/* ITIMER_REAL expiry, clock_ns(); 0: off */
	uint64_t itimer_real_period;	/* its reload interval, ns */
	uint64_t itimer_value[2];	/* ITIMER_VIRTUAL, ITIMER_PROF, ns */
	uint64_t itimer_period[2];	/* and their intervals */
	/*
	 * CPU time (proc_acct.c), ns.  utime/stime: this process's threads,
	 * live and exited, added atomically as each thread is charged;
	 * cutime/cstime: reaped children's totals, added by wait [p].
	 */
	uint64_t utime_ns, stime_ns;	/* [a] atomic adds */
	uint64_t cutime_ns, cstime_ns;	/* [p] */
	uint64_t start_ns;		/* [i] clock_ns() at creation */
	uint64_t maxrss_kb;		/* [p] peak RSS of images gone (exec, exit) */
	uint64_t cmaxrss_kb;		/* [p] the largest reaped child's */
	struct acct_counts counts;	/* [a] its threads' events: atomic adds */
	struct acct_counts ccounts;	/* [p] reaped children's, added by wait */
	struct thread *exec_thread;	/* [p] execve killing the others; NULL */
	struct waitq exec_wq;		/* that execve waits here for them */
};

/* ctty of a process without a controlling terminal (after setsid). */
#define CTTY_NONE	(-1)

/* Wait statuses, as Linux encodes them. */
#define W_EXITCODE(code)	(((code) & 0xff) << 8)
#define W_SIGNALED(sig)		((sig) & 0x7f)
#define W_COREDUMP		0x80

/*
 * Turn the calling kernel thread into init (pid 1) with a fresh address
 * space (made current) and the console as fds 0, 1 and 2; u becomes its
 * user context.  0, or -ENOMEM.
 */
int proc_init(struct uctx *u);

/* The current thread's process, or NULL for a kernel thread. */
struct proc *proc_current(void);

/* The current thread's tid (0 for a kernel thread), for traces. */
int proc_current_tid(void);

/*
 * Exit points.  proc_exit_point(): if the current process is exiting,
 * end this thread (syscall_dispatch calls it on entry and return).
 * proc_exit_group(): end the process with wait status wstatus (the first
 * status set wins), starting with the calling thread.  proc_thread_exit():
 * end the calling thread (exit(2)); the last thread out ends the process.
 */
void proc_exit_point(void);
__noreturn void proc_exit_group(int wstatus);
__noreturn void proc_thread_exit(void);

/*
 * For exec: the process has a new image.  Closes close-on-exec fds,
 * remembers the exec for setpgid(2) and releases a vfork parent.
 */
void proc_exec_commit(struct proc *p);

/*
 * For exec, before the old image goes: end every other thread of p and
 * wait for them; the caller takes over the leader's identity (its tid
 * becomes the pid), as execve(2) says.  If another thread got there
 * first, or the process is being killed, the caller ends instead.
 */
void proc_exec_kill_threads(struct proc *p);

/* Should thread t of p leave at its next exit point?  (exiting, or exec) */
bool proc_thread_doomed(const struct proc *p, const struct thread *t);

/* fork/clone core (proc_fork.c); returns the child's tid or -errno. */
long proc_clone(uint64_t flags, uaddr_t sp, uaddr_t ptid, uaddr_t ctid,
    uaddr_t tls);

/* For tests and /proc: how many processes exist (zombies included). */
int proc_count(void);

/*
 * Read-only views of processes for /proc (proc_info.c).  A snapshot is
 * taken under proc_lock; the address space and fd table come with a
 * reference of their own (NULL once the process has let go of them:
 * a zombie), which the caller drops (proc_info_put).
 */
struct proc_info {
	int pid, ppid, pgid, sid, nthreads;
	int tty_nr, tpgid;		/* controlling terminal: 0 and -1 */
	int tid;			/* the thread shown: pid unless asked */
	char state;			/* R, S, T or Z, as /proc shows */
	char name[16];
	struct cred cred;
	uint64_t utime_ns, stime_ns, cutime_ns, cstime_ns, start_ns;
	struct acct_counts counts, ccounts;	/* its own, reaped children's */
	uint64_t sig_pending, sig_blocked, sig_ignored, sig_caught;
	uaddr_t arg_start, arg_end;
	uint64_t rlim_nofile;
	uint32_t umask;			/* a [v] field, read racily */
	struct vmspace *vmspace;	/* referenced, or NULL */
	struct fdtable *fdt;		/* referenced, or NULL */
};

/* Fill *pi for pid (not a mere tid): 0 or -ESRCH. */
int proc_info_get(int pid, struct proc_info *pi);
void proc_info_put(struct proc_info *pi);
/* Is pid a live process or zombie? */
bool proc_exists(int pid);
/* Up to max pids greater than after, ascending; returns how many. */
int proc_pids(int after, int *pids, int max);
/* The same for the tids of pid's threads; 0 when pid is none. */
int proc_tids(int pid, int after, int *tids, int max);
/* Is tid a thread of process pid? */
bool proc_has_thread(int pid, int tid);
/* Copy n bytes at addr of address space vs into kbuf: 0 or -EFAULT. */
int proc_read_mem(struct vmspace *vs, uaddr_t addr, void *kbuf, size_t n);
/* pid's fd table with a reference (fdtable_unref), or NULL. */
struct fdtable *proc_fdtable_get(int pid);
/*
 * pid's working directory, root or executable, with a reference
 * (vfs_lock held; vfs_dput_locked), or NULL.
 */
#define PROC_CWD	0
#define PROC_ROOT	1
#define PROC_EXE	2
struct dentry *proc_dentry_get(int pid, int which);

/* Internal to core/proc/proc*.c. */
extern struct spinlock proc_lock;
extern struct list all_procs;	/* [p] every process, by all_link */
int pid_alloc(void);
struct proc *proc_alloc(struct proc *parent);
void proc_free(struct proc *p);
void proc_link(struct proc *p);
void proc_unlink(struct proc *p);
struct proc *proc_find(int pid);
/* The fd limit of p (RLIMIT_NOFILE, at most NR_OPEN); takes proc_lock. */
unsigned proc_nofile_limit(struct proc *p);
bool proc_group_exists(int pgid, int sid);
void proc_attach_thread(struct proc *p, struct uctx *u, int tid);

#endif
