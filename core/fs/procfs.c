/*
 * procfs: the process and system information file system Linux mounts
 * at /proc (proc(5)), made on demand through the VFS's lookup,
 * revalidate, readdir, readlink and generate hooks (fs/vfs.h).
 *
 * Nothing here is stored.  Every inode is a node kind (struct pnode)
 * plus the pid, tid and fd it describes; a directory kind has a table
 * of fixed entries, and the root, task/ and fd/ directories add
 * numbered ones (live pids, a process's threads, open fds).  A lookup
 * makes a fresh inode that the dentry cache keeps; revalidate drops
 * /proc/PID and everything under it once the process is reaped (task/TID
 * once the thread is gone, fd/N once the fd is closed), and the VFS
 * prunes such stale names before adding more, so the cache holds no
 * more than the live processes plus what someone holds open.  A pid
 * reused by a new process simply shows the new one.
 *
 * Text files are generated whole at the first read (seq_printf into a
 * seqbuf), so one read of /proc/PID/stat is one snapshot taken under
 * proc_lock (proc_info_get, core/proc/proc_info.c).  Symlinks (self,
 * thread-self, exe, cwd, root, fd/N) compute their targets when read or
 * walked: paths, so an fd of a pipe reads pipe:[N] and cannot be
 * reopened through its link as on Linux, and a device file (whose file
 * keeps no name) reads anon_inode:[file].  An
 * open file of a process that has since been reaped reads as ESRCH.
 *
 * Times in stat are clock ticks of 100 Hz (AT_CLKTCK, sysconf's
 * _SC_CLK_TCK); memory figures come from the page allocator and the
 * process's address space.  Fields Linux has and we do not keep (major
 * faults, the scheduler's priority) read 0.
 *
 * Locking: lookup, revalidate, readdir and readlink run under vfs_lock
 * (the VFS calls them so); generate runs with no lock and takes
 * proc_lock (through proc_info.c) and vfs_lock itself as it needs them.
 */
#include "contract/cpu.h"
#include "contract/clock.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/time.h"
#include "kern/version.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "net/netdev.h"
#include "proc/proc.h"
#include "vm/vm.h"

#define HZ		100			/* AT_CLKTCK */
#define NS_PER_TICK	(NSEC_PER_SEC / HZ)
#define PID_COOKIE	1024	/* root cookies from here on are pids */
#define PID_INO		0x40000000ull	/* d_ino of a pid not looked up */
#define FD_MAX		4096	/* NR_OPEN */

enum pkind {
	/* System-wide. */
	P_ROOT, P_SELF, P_THREAD_SELF, P_MOUNTS_LINK, P_MEMINFO, P_UPTIME,
	P_LOADAVG, P_STAT, P_CPUINFO, P_FILESYSTEMS, P_VERSION, P_SYS,
	P_SYS_KERNEL, P_OSTYPE, P_OSRELEASE, P_PID_MAX,
	P_NET, P_NET_DEV, P_NET_SNMP,
	/* Per process (pid), some per thread (tid) too. */
	P_PID, P_CMDLINE, P_COMM, P_CWD, P_EXE, P_FD, P_MAPS, P_MOUNTS,
	P_PROOT, P_PSTAT, P_STATM, P_STATUS, P_FDLINK, P_TASK, P_TID,
};

/* What an inode shows. */
struct pnode {
	enum pkind kind;
	int pid;		/* 0 for system-wide nodes */
	int tid;		/* under task/TID, else 0 */
	int fd;			/* P_FDLINK */
};

/* A fixed entry of a directory kind. */
struct pent {
	const char *name;
	enum pkind kind;
	uint32_t mode;
};

static const struct pent root_ents[] = {
	{ "self", P_SELF, S_IFLNK | 0777 },
	{ "thread-self", P_THREAD_SELF, S_IFLNK | 0777 },
	{ "mounts", P_MOUNTS_LINK, S_IFLNK | 0777 },
	{ "meminfo", P_MEMINFO, S_IFREG | 0444 },
	{ "uptime", P_UPTIME, S_IFREG | 0444 },
	{ "loadavg", P_LOADAVG, S_IFREG | 0444 },
	{ "stat", P_STAT, S_IFREG | 0444 },
	{ "cpuinfo", P_CPUINFO, S_IFREG | 0444 },
	{ "filesystems", P_FILESYSTEMS, S_IFREG | 0444 },
	{ "version", P_VERSION, S_IFREG | 0444 },
	{ "sys", P_SYS, S_IFDIR | 0555 },
	{ "net", P_NET, S_IFDIR | 0555 },
	{ NULL, 0, 0 },
};

/* The network stack's counters (core/net/net_proc.c). */
static const struct pent net_ents[] = {
	{ "dev", P_NET_DEV, S_IFREG | 0444 },
	{ "snmp", P_NET_SNMP, S_IFREG | 0444 },
	{ NULL, 0, 0 },
};

static const struct pent sys_ents[] = {
	{ "kernel", P_SYS_KERNEL, S_IFDIR | 0555 },
	{ NULL, 0, 0 },
};

static const struct pent sys_kernel_ents[] = {
	{ "ostype", P_OSTYPE, S_IFREG | 0444 },
	{ "osrelease", P_OSRELEASE, S_IFREG | 0444 },
	{ "pid_max", P_PID_MAX, S_IFREG | 0444 },
	{ NULL, 0, 0 },
};

static const struct pent pid_ents[] = {
	{ "cmdline", P_CMDLINE, S_IFREG | 0444 },
	{ "comm", P_COMM, S_IFREG | 0644 },
	{ "cwd", P_CWD, S_IFLNK | 0777 },
	{ "exe", P_EXE, S_IFLNK | 0777 },
	{ "fd", P_FD, S_IFDIR | 0500 },
	{ "maps", P_MAPS, S_IFREG | 0444 },
	{ "mounts", P_MOUNTS, S_IFREG | 0444 },
	{ "root", P_PROOT, S_IFLNK | 0777 },
	{ "stat", P_PSTAT, S_IFREG | 0444 },
	{ "statm", P_STATM, S_IFREG | 0444 },
	{ "status", P_STATUS, S_IFREG | 0444 },
	{ "task", P_TASK, S_IFDIR | 0555 },
	{ NULL, 0, 0 },
};

/* A thread's own directory, task/TID: what differs per thread. */
static const struct pent tid_ents[] = {
	{ "comm", P_COMM, S_IFREG | 0644 },
	{ "stat", P_PSTAT, S_IFREG | 0444 },
	{ "status", P_STATUS, S_IFREG | 0444 },
	{ NULL, 0, 0 },
};

static const struct inode_ops procfs_ops;

static struct pnode *
pnode_of(const struct dentry *d)
{
	return d->inode->priv;
}

/* The fixed entries of a directory kind, or NULL for a file kind. */
static const struct pent *
table_of(enum pkind k)
{
	switch (k) {
	case P_ROOT:
		return root_ents;
	case P_SYS:
		return sys_ents;
	case P_SYS_KERNEL:
		return sys_kernel_ents;
	case P_NET:
		return net_ents;
	case P_PID:
		return pid_ents;
	case P_TID:
		return tid_ents;
	default:
		return NULL;
	}
}

/* A new inode of kind k for pid (its owner then), tid and fd.  [v] */
static struct inode *
pnode_inode(enum pkind k, uint32_t mode, int pid, int tid, int fd)
{
	struct proc_info pi;
	uint32_t uid = 0, gid = 0;
	struct inode *ip;
	struct pnode *pn;

	/* A process's files belong to its effective ids, as on Linux. */
	if (pid > 0 && proc_info_get(pid, &pi) == 0) {
		uid = pi.cred.euid;
		gid = pi.cred.egid;
		proc_info_put(&pi);
	}
	ip = inode_alloc(mode, uid, gid);
	ip->ops = &procfs_ops;
	ip->nlink = S_ISDIR(mode) ? 2 : 1;
	pn = kzalloc(sizeof(*pn));
	pn->kind = k;
	pn->pid = pid;
	pn->tid = tid;
	pn->fd = fd;
	ip->priv = pn;
	ip->refs = 1;	/* the caller's, as lookup promises */
	return ip;
}

/* A decimal number without sign or leading zeros: its value, else -1. */
static long
number(const char *name, size_t len, long max)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Is fd open in pid?  (vfs_lock may be held: see vfs_dput.) */
static bool
fd_open_in(int pid, int fd)
{
	struct fdtable *t = proc_fdtable_get(pid);
	bool r;

	if (t == NULL)
		return false;
	r = fd_get_cloexec(t, fd) >= 0;
	fdtable_unref(t);
	return r;
}

static int
procfs_lookup(struct dentry *dir, const char *name, size_t len,
    struct inode **out)
{
	struct pnode *pn = pnode_of(dir);
	const struct pent *e = table_of(pn->kind);
	long n;

	for (; e != NULL && e->name != NULL; e++)
		if (strlen(e->name) == len && memcmp(e->name, name, len) == 0) {
			*out = pnode_inode(e->kind, e->mode, pn->pid,
			    pn->tid, 0);
			return 0;
		}
	if (pn->kind == P_ROOT && (n = number(name, len, INT32_MAX)) > 0 &&
	    proc_exists((int)n)) {
		*out = pnode_inode(P_PID, S_IFDIR | 0555, (int)n, 0, 0);
		return 0;
	}
	if (pn->kind == P_TASK && (n = number(name, len, INT32_MAX)) > 0 &&
	    proc_has_thread(pn->pid, (int)n)) {
		*out = pnode_inode(P_TID, S_IFDIR | 0555, pn->pid, (int)n, 0);
		return 0;
	}
	if (pn->kind == P_FD && (n = number(name, len, FD_MAX - 1)) >= 0 &&
	    fd_open_in(pn->pid, (int)n)) {
		*out = pnode_inode(P_FDLINK, S_IFLNK | 0700, pn->pid, 0,
		    (int)n);
		return 0;
	}
	return -ENOENT;
}

static bool
procfs_revalidate(struct dentry *d)
{
	struct pnode *pn = pnode_of(d);

	/* A name some other path put here (none should) is stale. */
	if (d->inode->ops != &procfs_ops)
		return false;
	if (pn->pid == 0)
		return true;
	if (pn->kind == P_FDLINK)
		return fd_open_in(pn->pid, pn->fd);
	if (pn->tid != 0)
		return proc_has_thread(pn->pid, pn->tid);
	return proc_exists(pn->pid);
}

/* The fixed entries from cookie 2 on. */
static bool
readdir_table(struct dentry *dir, const struct pent *e, struct dir_ctx *ctx)
{
	uint64_t i;

	for (i = 0; e[i].name != NULL; i++) {
		if (i + 2 < ctx->pos)
			continue;
		/* d_ino: a number per entry; inodes come at lookup. */
		if (!ctx->emit(ctx, e[i].name, strlen(e[i].name),
		    dir->inode->ino * 64 + i + 2, e[i].mode, i + 3))
			return false;
		ctx->pos = i + 3;
	}
	return true;
}

/*
 * Numbered directories from cookie base on, base + n each, ascending:
 * the root's pids (pid 0), or a process's tids under task/.
 */
static void
readdir_ids(struct dir_ctx *ctx, uint64_t base, int pid)
{
	int ids[32], n, i, after;
	char name[16];

	if (ctx->pos < base)
		ctx->pos = base;
	for (;;) {
		after = (int)(ctx->pos - base) - 1;
		n = pid == 0 ? proc_pids(after, ids, 32) :
		    proc_tids(pid, after, ids, 32);
		if (n == 0)
			return;
		for (i = 0; i < n; i++) {
			ksnprintf(name, sizeof(name), "%d", ids[i]);
			if (!ctx->emit(ctx, name, strlen(name),
			    PID_INO + (uint64_t)ids[i], S_IFDIR | 0555,
			    base + (uint64_t)ids[i] + 1))
				return;
			ctx->pos = base + (uint64_t)ids[i] + 1;
		}
	}
}

/* fd/: cookie 2 + fd for each open one. */
static void
readdir_fds(struct dentry *dir, struct dir_ctx *ctx)
{
	struct fdtable *t = proc_fdtable_get(pnode_of(dir)->pid);
	char name[16];
	int fd;

	if (t == NULL)
		return;
	for (fd = ctx->pos < 2 ? 0 : (int)(ctx->pos - 2); fd < FD_MAX; fd++) {
		if (fd_get_cloexec(t, fd) < 0)
			continue;
		ksnprintf(name, sizeof(name), "%d", fd);
		if (!ctx->emit(ctx, name, strlen(name),
		    dir->inode->ino * 8192 + (uint64_t)fd, S_IFLNK | 0700,
		    (uint64_t)fd + 3))
			break;
		ctx->pos = (uint64_t)fd + 3;
	}
	if (fd == FD_MAX)
		ctx->pos = FD_MAX + 2;
	fdtable_unref(t);
}

static int
procfs_readdir(struct dentry *dir, struct dir_ctx *ctx)
{
	struct pnode *pn = pnode_of(dir);
	const struct pent *e = table_of(pn->kind);

	if (pn->pid != 0 && !proc_exists(pn->pid))
		return 0;
	if (pn->kind == P_FD) {
		readdir_fds(dir, ctx);
		return 0;
	}
	if (pn->kind == P_TASK) {
		readdir_ids(ctx, 2, pn->pid);
		return 0;
	}
	if (e != NULL && ctx->pos < PID_COOKIE && !readdir_table(dir, e, ctx))
		return 0;
	if (pn->kind == P_ROOT)
		readdir_ids(ctx, PID_COOKIE, 0);
	return 0;
}

/*
 * d's path from the caller's root; a name since unlinked reads as Linux
 * shows it, with " (deleted)" (its directories are gone by then).
 */
static ssize_t
link_path(struct dentry *d, char *buf)
{
	ssize_t n = vfs_dpath(d, proc_current()->root, buf, PATH_MAX);

	if (n == -ENOENT && d->parent == NULL && d->namelen > 0)
		n = ksnprintf(buf, PATH_MAX, "/%s (deleted)", d->name);
	return n;
}

/* Where fd/N leads: the file's path, pipe:[ino], or an anonymous name. */
static ssize_t
fd_target(int pid, int fd, char *buf)
{
	struct fdtable *t = proc_fdtable_get(pid);
	struct dentry *d;
	struct file *f;
	ssize_t n;

	if (t == NULL)
		return -ENOENT;
	f = fd_get(t, fd);
	fdtable_unref(t);
	if (f == NULL)
		return -ENOENT;
	if ((d = vfs_file_dentry(f)) != NULL)
		n = link_path(d, buf);
	else if (pipe_file_ino(f) != 0)
		n = ksnprintf(buf, PATH_MAX, "pipe:[%llu]",
		    (unsigned long long)pipe_file_ino(f));
	else
		n = ksnprintf(buf, PATH_MAX, "anon_inode:[file]");
	file_unref(f);
	return n;
}

static ssize_t
procfs_readlink(struct dentry *d, char *buf)
{
	static const int which[] = {
		[P_CWD] = PROC_CWD, [P_PROOT] = PROC_ROOT, [P_EXE] = PROC_EXE,
	};
	struct pnode *pn = pnode_of(d);
	struct proc *me = proc_current();
	struct dentry *t;
	ssize_t n;

	switch (pn->kind) {
	case P_SELF:
		if (me == NULL)
			return -ENOENT;
		return ksnprintf(buf, PATH_MAX, "%d", me->pid);
	case P_THREAD_SELF:
		if (me == NULL)
			return -ENOENT;
		return ksnprintf(buf, PATH_MAX, "%d/task/%d", me->pid,
		    proc_current_tid());
	case P_MOUNTS_LINK:
		return ksnprintf(buf, PATH_MAX, "self/mounts");
	case P_FDLINK:
		return fd_target(pn->pid, pn->fd, buf);
	case P_CWD:
	case P_PROOT:
	case P_EXE:
		if ((t = proc_dentry_get(pn->pid, which[pn->kind])) == NULL)
			return -ENOENT;
		n = link_path(t, buf);
		vfs_dput_locked(t);
		return n;
	default:
		return -EINVAL;
	}
}

/* Nanoseconds as clock ticks. */
static unsigned long long
ticks(uint64_t ns)
{
	return (unsigned long long)(ns / NS_PER_TICK);
}

/* Bytes mapped in vs (VmSize), walking its regions. */
static uint64_t
vm_bytes(struct vmspace *vs)
{
	struct vm_region_info ri;
	uaddr_t at = 0;
	uint64_t n = 0;

	while (vs != NULL && vmspace_region_at(vs, at, &ri)) {
		n += ri.end - ri.start;
		at = ri.end;
	}
	return n;
}

static uint64_t
rss_pages(struct vmspace *vs)
{
	return vs != NULL ? vmspace_private_pages(vs) : 0;
}

/* /proc/PID/stat: proc(5)'s 52 fields, in order. */
static void
gen_pstat(struct seqbuf *sb, struct proc_info *pi)
{
	uint64_t vsize = vm_bytes(pi->vmspace);

	seq_printf(sb, "%d (%s) %c %d %d %d %d %d %u %llu %llu 0 0 ", pi->tid,
	    pi->name, pi->state, pi->ppid, pi->pgid, pi->sid, pi->tty_nr,
	    pi->tpgid, 0x400000u, (unsigned long long)pi->counts.minflt,
	    (unsigned long long)pi->ccounts.minflt);
	seq_printf(sb, "%llu %llu %llu %llu 20 0 %d 0 %llu ",
	    ticks(pi->utime_ns), ticks(pi->stime_ns), ticks(pi->cutime_ns),
	    ticks(pi->cstime_ns), pi->nthreads, ticks(pi->start_ns));
	seq_printf(sb, "%llu %llu %llu 0 0 0 0 0 ",
	    (unsigned long long)vsize,
	    (unsigned long long)rss_pages(pi->vmspace),
	    (unsigned long long)RLIM_INFINITY);
	/* signal, blocked, sigignore, sigcatch: decimal, as Linux. */
	seq_printf(sb, "%llu %llu %llu %llu 0 0 0 17 0 0 0 0 0 0 0 0 0 ",
	    (unsigned long long)pi->sig_pending,
	    (unsigned long long)pi->sig_blocked,
	    (unsigned long long)pi->sig_ignored,
	    (unsigned long long)pi->sig_caught);
	seq_printf(sb, "%llu %llu 0 0 0\n",
	    (unsigned long long)pi->arg_start,
	    (unsigned long long)pi->arg_end);
}

static const char *
state_name(char s)
{
	switch (s) {
	case 'R':
		return "R (running)";
	case 'T':
		return "T (stopped)";
	case 'Z':
		return "Z (zombie)";
	default:
		return "S (sleeping)";
	}
}

/* /proc/PID/status: the fields programs read, in Linux's order. */
static void
gen_status(struct seqbuf *sb, struct proc_info *pi)
{
	const struct cred *c = &pi->cred;
	int i;

	seq_printf(sb, "Name:\t%s\nUmask:\t%04o\nState:\t%s\n", pi->name,
	    pi->umask, state_name(pi->state));
	seq_printf(sb, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
	    "TracerPid:\t0\n", pi->pid, pi->tid, pi->ppid);
	seq_printf(sb, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
	    c->uid, c->euid, c->suid, c->euid, c->gid, c->egid, c->sgid,
	    c->egid);
	seq_printf(sb, "FDSize:\t%d\nGroups:\t", 64);
	for (i = 0; i < c->ngroups; i++)
		seq_printf(sb, "%u ", c->groups[i]);
	seq_printf(sb, "\n");
	if (pi->vmspace != NULL)
		seq_printf(sb, "VmSize:\t%8llu kB\nVmRSS:\t%8llu kB\n",
		    (unsigned long long)(vm_bytes(pi->vmspace) / 1024),
		    (unsigned long long)(rss_pages(pi->vmspace) *
		    (PAGE_SIZE / 1024)));
	seq_printf(sb, "Threads:\t%d\nSigQ:\t0/%d\n", pi->nthreads, 4096);
	seq_printf(sb, "SigPnd:\t%016llx\nShdPnd:\t%016llx\n",
	    (unsigned long long)pi->sig_pending,
	    (unsigned long long)pi->sig_pending);
	seq_printf(sb, "SigBlk:\t%016llx\nSigIgn:\t%016llx\n"
	    "SigCgt:\t%016llx\n", (unsigned long long)pi->sig_blocked,
	    (unsigned long long)pi->sig_ignored,
	    (unsigned long long)pi->sig_caught);
	seq_printf(sb, "CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\n",
	    c->euid == 0 ? "000001ffffffffff" : "0000000000000000",
	    c->euid == 0 ? "000001ffffffffff" : "0000000000000000");
	seq_printf(sb, "NoNewPrivs:\t0\nCpus_allowed_list:\t0-%u\n",
	    cpu_count() - 1);
}

/* /proc/PID/statm: sizes in pages. */
static void
gen_statm(struct seqbuf *sb, struct proc_info *pi)
{
	seq_printf(sb, "%llu %llu 0 0 0 0 0\n",
	    (unsigned long long)(vm_bytes(pi->vmspace) / PAGE_SIZE),
	    (unsigned long long)rss_pages(pi->vmspace));
}

/*
 * /proc/PID/cmdline: the argv strings, NUL-separated, as they are now
 * in the process's memory; empty for a zombie.
 */
static void
gen_cmdline(struct seqbuf *sb, struct proc_info *pi)
{
	uaddr_t at = pi->arg_start;
	size_t n;

	if (pi->vmspace == NULL)
		return;
	while (at < pi->arg_end && sb->len < sb->size) {
		n = MIN((size_t)(pi->arg_end - at), sb->size - sb->len);
		n = MIN(n, PAGE_SIZE - (size_t)(at % PAGE_SIZE));
		if (proc_read_mem(pi->vmspace, at, sb->buf + sb->len, n) != 0)
			return;
		sb->len += n;
		at += n;
	}
}

/*
 * /proc/PID/maps: a line per region, with its offset in its object.
 * No file is mapped yet, so device and inode are 00:00 0; the stack
 * (the region just under the top) is named as Linux names it.
 */
static void
gen_maps(struct seqbuf *sb, struct proc_info *pi)
{
	struct vm_region_info ri;
	uaddr_t at = 0;

	while (pi->vmspace != NULL && vmspace_region_at(pi->vmspace, at, &ri)) {
		seq_printf(sb, "%08lx-%08lx %c%c%c%c %08llx 00:00 0",
		    (unsigned long)ri.start, (unsigned long)ri.end,
		    (ri.prot & PROT_R) ? 'r' : '-',
		    (ri.prot & PROT_W) ? 'w' : '-',
		    (ri.prot & PROT_X) ? 'x' : '-', ri.shared ? 's' : 'p',
		    (unsigned long long)ri.offset);
		seq_printf(sb, "%s\n", ri.end == VM_USER_TOP ?
		    "                   [stack]" : "");
		at = ri.end;
	}
}

/* Is d at or below root, crossing mount points upwards?  [v] */
static bool
below_root(struct dentry *d, struct dentry *root)
{
	while (d != root) {
		if (d->parent != NULL)
			d = d->parent;
		else if (d->mounted_on != NULL &&
		    d->mounted_on->mountpoint != NULL)
			d = d->mounted_on->mountpoint;
		else
			return false;
	}
	return true;
}

/*
 * The mounts oldest first (the table is newest first): recurse.  As
 * Linux's, the list shows only what the reader's root reaches: inside a
 * chroot, the tree mounted at the new root is "/", mounts below it are
 * named from it, and mounts elsewhere are left out.  [v]
 */
static void
mounts_from(struct seqbuf *sb, struct mount *m, struct dentry *root,
    char *path)
{
	if (m == NULL)
		return;
	mounts_from(sb, m->next, root, path);
	if (m->root == root)
		strlcpy(path, "/", PATH_MAX);
	else if (m->mountpoint == NULL || !below_root(m->mountpoint, root) ||
	    vfs_dpath(m->mountpoint, root, path, PATH_MAX) < 0)
		return;
	seq_printf(sb, "%s %s %s rw 0 0\n", m->source, path, m->type);
}

static void
gen_mounts(struct seqbuf *sb)
{
	char *path = kmalloc(PATH_MAX);

	vfs_lock();
	mounts_from(sb, vfs_mounts(), proc_current()->root, path);
	vfs_unlock();
	kfree(path);
}

/* Per-process files: a snapshot of the process first. */
static int
gen_process(struct dentry *d, struct seqbuf *sb)
{
	struct pnode *pn = pnode_of(d);
	struct proc_info pi;

	if (pn->kind == P_MOUNTS) {
		if (!proc_exists(pn->pid))
			return -ESRCH;
		gen_mounts(sb);
		return 0;
	}
	if (proc_info_get(pn->pid, &pi) != 0)
		return -ESRCH;
	if (pn->tid != 0) {
		if (!proc_has_thread(pn->pid, pn->tid)) {
			proc_info_put(&pi);
			return -ESRCH;
		}
		pi.tid = pn->tid;
	}
	switch (pn->kind) {
	case P_PSTAT:
		gen_pstat(sb, &pi);
		break;
	case P_STATUS:
		gen_status(sb, &pi);
		break;
	case P_STATM:
		gen_statm(sb, &pi);
		break;
	case P_MAPS:
		gen_maps(sb, &pi);
		break;
	case P_CMDLINE:
		gen_cmdline(sb, &pi);
		break;
	case P_COMM:
		seq_printf(sb, "%s\n", pi.name);
		break;
	default:
		break;
	}
	proc_info_put(&pi);
	return 0;
}

static void
gen_meminfo(struct seqbuf *sb)
{
	unsigned long long kb = PAGE_SIZE / 1024;
	unsigned long long total = page_total() * kb;
	unsigned long long free = page_free_count() * kb;
	struct reserve_stats rs;

	seq_printf(sb, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
	    "MemAvailable:   %8llu kB\n", total, free, free);
	seq_printf(sb, "Buffers:        %8llu kB\nCached:         %8llu kB\n"
	    "SwapCached:     %8llu kB\n", 0ull, 0ull, 0ull);
	seq_printf(sb, "Active:         %8llu kB\nInactive:       %8llu kB\n",
	    total - free, 0ull);
	seq_printf(sb, "SwapTotal:      %8llu kB\nSwapFree:       %8llu kB\n"
	    "Dirty:          %8llu kB\n", 0ull, 0ull, 0ull);
	seq_printf(sb, "Shmem:          %8llu kB\nSlab:           %8llu kB\n",
	    0ull, 0ull);
	/* biscotti's own: the shortage policy's counters (mm/reserve.h). */
	reserve_get_stats(&rs);
	seq_printf(sb, "ReserveWaits:   %8llu\nReserveEvictions: %6llu\n"
	    "ReserveEvictedPages: %3llu\nOOMKills:       %8llu\n",
	    (unsigned long long)rs.waits, (unsigned long long)rs.evictions,
	    (unsigned long long)rs.evicted_pages,
	    (unsigned long long)rs.oom_kills);
}

/* Seconds and hundredths. */
static void
seq_centis(struct seqbuf *sb, uint64_t ns, const char *after)
{
	seq_printf(sb, "%llu.%02llu%s", (unsigned long long)(ns /
	    NSEC_PER_SEC), (unsigned long long)(ns % NSEC_PER_SEC /
	    10000000), after);
}

/*
 * CPU time is kept per process, not per CPU: the busy time of the live
 * processes is shared out evenly and the rest of each CPU's time is
 * idle.  Exited processes' time counts in their parents' cutime/cstime.
 */
static void
cpu_times(uint64_t *user, uint64_t *sys)
{
	struct proc_info pi;
	int pids[32], n, i, after = 0;

	*user = *sys = 0;
	while ((n = proc_pids(after, pids, 32)) > 0) {
		for (i = 0; i < n; i++) {
			if (proc_info_get(pids[i], &pi) != 0)
				continue;
			*user += pi.utime_ns;
			*sys += pi.stime_ns;
			if (pi.pid == 1) {
				*user += pi.cutime_ns;
				*sys += pi.cstime_ns;
			}
			proc_info_put(&pi);
		}
		after = pids[n - 1];
	}
}

static void
gen_uptime(struct seqbuf *sb)
{
	uint64_t now = clock_ns(), user, sys, total;

	cpu_times(&user, &sys);
	total = now * cpu_count();
	seq_centis(sb, now, " ");
	seq_centis(sb, total > user + sys ? total - user - sys : 0, "\n");
}

static void
gen_stat(struct seqbuf *sb)
{
	uint64_t now = clock_ns(), user, sys, total, idle;
	unsigned ncpu = cpu_count(), c;
	int pids[32], n, last = 0;

	cpu_times(&user, &sys);
	total = now * ncpu;
	idle = total > user + sys ? total - user - sys : 0;
	seq_printf(sb, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", ticks(user),
	    ticks(sys), ticks(idle));
	for (c = 0; c < ncpu; c++)
		seq_printf(sb, "cpu%u %llu 0 %llu %llu 0 0 0 0 0 0\n", c,
		    ticks(user / ncpu), ticks(sys / ncpu), ticks(idle / ncpu));
	while ((n = proc_pids(last, pids, 32)) > 0)
		last = pids[n - 1];
	seq_printf(sb, "intr 0\nctxt 0\nbtime %llu\n",
	    (unsigned long long)((time_realtime_ns() - now) / NSEC_PER_SEC));
	/* Forks since boot: pids are handed out in order until they wrap. */
	seq_printf(sb, "processes %d\nprocs_running 1\nprocs_blocked 0\n",
	    last);
}

static void
gen_loadavg(struct seqbuf *sb)
{
	int pids[32], n, last = 0;

	while ((n = proc_pids(last, pids, 32)) > 0)
		last = pids[n - 1];
	/* No load average is kept yet: 0, as an idle machine's. */
	seq_printf(sb, "0.00 0.00 0.00 1/%d %d\n", proc_count(), last);
}

static void
gen_cpuinfo(struct seqbuf *sb)
{
	unsigned c, n = cpu_count();

	for (c = 0; c < n; c++)
		seq_printf(sb, "processor\t: %u\nvendor_id\t: unknown\n"
		    "model name\t: biscotti x86-64 CPU\nphysical id\t: 0\n"
		    "siblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
		    "apicid\t\t: %u\nfpu\t\t: yes\nflags\t\t: fpu tsc "
		    "cx8 apic cmov pat clflush mmx fxsr sse sse2 syscall nx "
		    "lm\naddress sizes\t: 48 bits virtual\n\n", c, n, c, n, c);
}

static int
procfs_generate(struct dentry *d, struct seqbuf *sb)
{
	switch (pnode_of(d)->kind) {
	case P_MEMINFO:
		gen_meminfo(sb);
		return 0;
	case P_UPTIME:
		gen_uptime(sb);
		return 0;
	case P_LOADAVG:
		gen_loadavg(sb);
		return 0;
	case P_STAT:
		gen_stat(sb);
		return 0;
	case P_CPUINFO:
		gen_cpuinfo(sb);
		return 0;
	case P_FILESYSTEMS:
		vfs_list_fstypes(sb);
		return 0;
	case P_VERSION:
		seq_printf(sb, "Linux version 6.1.0-biscotti (%s %s) #1 SMP\n",
		    kernel_name, kernel_release);
		return 0;
	case P_OSTYPE:
		seq_printf(sb, "Linux\n");
		return 0;
	case P_OSRELEASE:
		seq_printf(sb, "6.1.0-biscotti\n");
		return 0;
	case P_PID_MAX:
		seq_printf(sb, "32768\n");
		return 0;
	case P_NET_DEV:
		net_proc_dev(sb);
		return 0;
	case P_NET_SNMP:
		net_proc_snmp(sb);
		return 0;
	default:
		return gen_process(d, sb);
	}
}

static void
procfs_release(struct inode *ip)
{
	kfree(ip->priv);
}

static const struct inode_ops procfs_ops = {
	.release = procfs_release,
	.lookup = procfs_lookup,
	.revalidate = procfs_revalidate,
	.readdir = procfs_readdir,
	.readlink = procfs_readlink,
	.generate = procfs_generate,
};

int
procfs_mount(struct dentry *mp)
{
	struct inode *ip = pnode_inode(P_ROOT, S_IFDIR | 0555, 0, 0, 0);

	if (vfs_mount_inode(mp, ip) == NULL) {
		inode_put(ip);
		return -EBUSY;
	}
	inode_put(ip);		/* the root dentry holds it */
	return 0;
}
