/*
 * execve(2): replace the calling process's program with a file's.
 *
 * The order matters because nothing may be lost before the point of no
 * return.  First everything that can fail is done into new objects: the
 * path is resolved and checked (a regular file with x permission for
 * the caller, else EACCES), the file is read whole into memory (both
 * before argv is looked at, as Linux opens the file first), the
 * argument and environment strings are copied from the old address
 * space (E2BIG past 2 MiB with their pointers, as Linux's default
 * limit, or for one string over 128 KiB), a `#!` line redirects to its
 * interpreter (up to four levels, Linux's limit, then ELOOP), and the
 * ELF loader fills a fresh address space.  Only then is the process changed: the new address space
 * replaces the old, close-on-exec fds close and a vfork parent resumes
 * (proc_exec_commit), and the registers restart at the entry
 * (uctx_exec).  A failure before that returns to the old program with
 * the error, untouched.
 *
 * Scripts: "#!interp arg\n" runs interp with argv [interp, arg, path,
 * argv[1]...]: the optional arg is the rest of the line after the
 * interpreter, spaces trimmed, one word or several as one (Linux does
 * the same), and path is the name execve was given.  The line is read
 * from the first 256 bytes (BINPRM_BUF_SIZE); a longer one is ENOEXEC.
 *
 * Images and strings live in pages from the page allocator, not the
 * heap, so execve's heap bound stays small however large the program.
 *
 * For /proc, the commit records the file run (the interpreter, for a
 * script: p->exe, a dentry reference, as Linux's exe_file) and where
 * the argv strings lie in the new stack (arg_start, arg_end), which
 * /proc/PID/cmdline reads back from the process's memory.
 */
#include "contract/physmem.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "exec/elf.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define SCRIPT_DEPTH	4	/* nested #! interpreters (Linux's 4) */
#define BINPRM_BUF	256	/* bytes of a script's first line */
#define ARGS_ORDER	9	/* 2 MiB of strings and pointers */
/* argv slots that #! lines may prepend. */
#define PREFIX_SLOTS	(2 * SCRIPT_DEPTH + 2)
#define MAX_ARG_STRLEN	(32 * PAGE_SIZE)	/* one string, as Linux */

/* An exec in progress. */
struct exec {
	char *area;		/* ARGS_ORDER pages: pointers, strings */
	const char **argv;	/* inside area, PREFIX_SLOTS free before it */
	const char **envp;
	size_t argc, envc;
	paddr_t area_pa;
	char *image;		/* the file's bytes */
	paddr_t image_pa;
	size_t len;
	unsigned order;		/* of image's pages */
	char *lines[SCRIPT_DEPTH];	/* #! lines, kept for argv */
	int depth;
	const char *path;	/* the name exec'd */
	struct dentry *exe;	/* the file read last (held) */
};

/* Count a user pointer array (NULL upath: empty). 0, -EFAULT, -E2BIG. */
static int
count_ptrs(uaddr_t u, size_t *n, size_t budget)
{
	uint64_t p;

	*n = 0;
	if (u == 0)
		return 0;
	for (;;) {
		if (copyin(&p, u + *n * 8, 8) != 0)
			return -EFAULT;
		if (p == 0)
			return 0;
		if (++*n * 8 > budget)
			return -E2BIG;
	}
}

/* Copy n user strings into place, pointers into ptrs. */
static int
copy_strs(uaddr_t u, size_t n, const char **ptrs, char **at, char *end)
{
	uint64_t p;
	ssize_t len;
	size_t i;

	for (i = 0; i < n; i++) {
		if (copyin(&p, u + i * 8, 8) != 0)
			return -EFAULT;
		len = copyinstr(*at, p, MIN((size_t)(end - *at),
		    MAX_ARG_STRLEN));
		if (len == -EFAULT)
			return -EFAULT;
		if (len < 0)
			return -E2BIG;
		ptrs[i] = *at;
		*at += len + 1;
	}
	ptrs[n] = NULL;
	return 0;
}

static int
copy_args(struct exec *ex, uaddr_t uargv, uaddr_t uenvp)
{
	size_t size = PAGE_SIZE << ARGS_ORDER, ptrs;
	paddr_t pa = page_alloc(ARGS_ORDER, 0);
	char *at, *end;
	int err;

	if (pa == 0)
		return -ENOMEM;
	ex->area_pa = pa;
	ex->area = phys_to_virt(pa);
	if ((err = count_ptrs(uargv, &ex->argc, size)) != 0 ||
	    (err = count_ptrs(uenvp, &ex->envc, size)) != 0)
		return err;
	ptrs = (PREFIX_SLOTS + ex->argc + 1 + ex->envc + 1) * 8;
	if (ptrs >= size)
		return -E2BIG;
	ex->argv = (const char **)ex->area + PREFIX_SLOTS;
	ex->envp = ex->argv + ex->argc + 1;
	at = ex->area + ptrs;
	end = ex->area + size;
	if ((err = copy_strs(uargv, ex->argc, ex->argv, &at, end)) != 0)
		return err;
	return copy_strs(uenvp, ex->envc, ex->envp, &at, end);
}

/*
 * Resolve path and read the file whole.  0, or the walk's error, EACCES
 * (not a regular file, or no x permission), ENOMEM (too large).
 */
static int
read_file(struct exec *ex, const char *path)
{
	struct dentry *d, *held = NULL;
	struct inode *ip;
	unsigned order = 0;
	paddr_t pa;
	int err;

	/* The lookup without the lock when cached; the read under it. */
	err = namei_fast(NULL, path, WALK_FOLLOW, NULL, NULL, &held);
	if (err != 0 && err != NAMEI_FALLBACK)
		return err;
	vfs_lock();
	if (held != NULL)
		d = held;
	else if ((err = namei(NULL, path, WALK_FOLLOW, &d)) != 0)
		goto out;
	ip = d->inode;
	if (!S_ISREG(ip->mode)) {
		err = -EACCES;
		goto out;
	}
	if ((err = vfs_permission(ip, MAY_EXEC)) != 0)
		goto out;
	while ((PAGE_SIZE << order) < ip->size && order < PAGE_MAX_ORDER)
		order++;
	if ((PAGE_SIZE << order) < ip->size ||
	    (pa = page_alloc(order, 0)) == 0) {
		err = -ENOMEM;
		goto out;
	}
	if (ex->image != NULL)
		page_free(ex->image_pa, ex->order);
	ex->image_pa = pa;
	ex->image = phys_to_virt(pa);
	ex->order = order;
	ex->len = (size_t)ip->size;
	ip->ops->read(ip, ex->image, ex->len, 0);
	ip->atime = vfs_now();
	if (ex->exe != NULL)
		vfs_dput_locked(ex->exe);
	ex->exe = vfs_dget(d);
out:
	if (held != NULL)
		vfs_dput_locked(held);
	vfs_unlock();
	return err;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The image starts with "#!": make argv [interp, arg, path, argv[1]...]
 * and return the interpreter's path in *interp.
 */
static int
script(struct exec *ex, const char **interp)
{
	size_t n = MIN(ex->len, (size_t)BINPRM_BUF), i, j;
	char *line, *arg = NULL;

	for (i = 2; i < n && ex->image[i] != '\n'; i++)
		continue;
	if (i == n && ex->len > n)
		return -ENOEXEC;	/* the line does not fit */
	line = ex->lines[ex->depth++] = kmalloc(BINPRM_BUF);
	memcpy(line, ex->image + 2, i - 2);
	line[i - 2] = '\0';
	for (i = 0; blank(line[i]); i++)
		continue;
	line += i;
	for (i = 0; line[i] != '\0' && !blank(line[i]); i++)
		continue;
	if (i == 0)
		return -ENOEXEC;
	if (line[i] != '\0') {
		line[i] = '\0';
		for (j = i + 1; blank(line[j]); j++)
			continue;
		arg = line + j;
		for (j = strlen(arg); j > 0 && blank(arg[j - 1]); j--)
			continue;
		arg[j] = '\0';
		if (*arg == '\0')
			arg = NULL;
	}
	/* Drop argv[0]; push path, the argument, the interpreter. */
	if (ex->argc > 0) {
		ex->argv++;
		ex->argc--;
	}
	*--ex->argv = ex->path;
	ex->argc++;
	if (arg != NULL) {
		*--ex->argv = arg;
		ex->argc++;
	}
	*--ex->argv = line;
	ex->argc++;
	ex->path = line;
	*interp = line;
	return 0;
}

static void
exec_free(struct exec *ex)
{
	int i;

	if (ex->area != NULL)
		page_free(ex->area_pa, ARGS_ORDER);
	if (ex->image != NULL)
		page_free(ex->image_pa, ex->order);
	for (i = 0; i < ex->depth; i++)
		kfree(ex->lines[i]);
	if (ex->exe != NULL)
		vfs_dput(ex->exe);
}

/*
 * Record, for /proc, the file run and the range of the argv strings:
 * the loader put them one after another from argv[0]'s address, which
 * the new stack holds just above argc.
 */
static void
record_exec(struct proc *p, struct exec *ex, uaddr_t sp)
{
	struct dentry *old;
	uint64_t start = 0;
	size_t len = 0, i;

	if (ex->argc > 0 && copyin(&start, sp + 8, sizeof(start)) == 0)
		for (i = 0; i < ex->argc; i++)
			len += strlen(ex->argv[i]) + 1;
	vfs_lock();
	old = p->exe;
	p->exe = ex->exe;
	ex->exe = NULL;
	if (old != NULL)
		vfs_dput_locked(old);
	vfs_unlock();
	spin_lock(&proc_lock);
	p->arg_start = start;
	p->arg_end = start + len;
	spin_unlock(&proc_lock);
}

/* The new image is loaded: the process becomes it. */
static void
commit(struct proc *p, struct exec *ex, struct vmspace *vs,
    const struct elf_result *res, const char *path)
{
	struct vmspace *old;
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	proc_exec_kill_threads(p);	/* de_thread: only the caller stays */
	spin_lock(&proc_lock);
	old = p->vmspace;
	p->vmspace = vs;
	strlcpy(p->name, base, sizeof(p->name));
	spin_unlock(&proc_lock);
	vmspace_switch(vs);
	vmspace_unref(old);
	record_exec(p, ex, res->sp);
	uctx_exec(curthread()->uctx, res->entry, res->sp);
	proc_exec_commit(p);
}

/*
 * Follow the #! lines of the file read from path, load the program into
 * a fresh address space and make the current process run it.  ex holds
 * the file (read_file) and the arguments.
 */
static int
exec_run(struct exec *ex, char *path)
{
	struct proc *p = proc_current();
	const char *next;
	struct elf_args ea = { 0 };
	struct elf_result res;
	struct vmspace *vs;
	int err;

	ex->path = path;
	while (ex->len >= 2 && ex->image[0] == '#' && ex->image[1] == '!') {
		if (ex->depth == SCRIPT_DEPTH)
			return -ELOOP;
		if ((err = script(ex, &next)) != 0 ||
		    (err = read_file(ex, next)) != 0)
			return err;
	}
	ea.argv = ex->argv;
	ea.envp = ex->envp;
	ea.execfn = path;
	spin_lock(&proc_lock);
	ea.uid = p->cred.uid;
	ea.euid = p->cred.euid;
	ea.gid = p->cred.gid;
	ea.egid = p->cred.egid;
	spin_unlock(&proc_lock);
	vs = vmspace_create();
	if ((err = elf_load(vs, ex->image, ex->len, &ea, &res)) != 0) {
		vmspace_unref(vs);
		return err;
	}
	commit(p, ex, vs, &res, path);
	return 0;
}

long
sys_execve(const struct syscall_args *a)
{
	struct exec ex = { 0 };
	char *path = kmalloc(PATH_MAX);
	int err;

	if ((err = vfs_getpath(path, a->a[0])) == 0 && path[0] == '\0')
		err = -ENOENT;
	/*
	 * The file before the arguments, as Linux opens it before it counts
	 * argv: a missing or unexecutable file is ENOENT or EACCES whatever
	 * argv points at.  A bad format (ENOEXEC) shows only after the copy.
	 */
	if (err == 0)
		err = read_file(&ex, path);
	if (err == 0)
		err = copy_args(&ex, a->a[1], a->a[2]);
	if (err == 0)
		err = exec_run(&ex, path);
	exec_free(&ex);
	kfree(path);
	return err;
}

/* Lay kernel strings out as copy_args() lays out user ones. */
static int
copy_kargs(struct exec *ex, const char *const *argv, const char *const *envp)
{
	size_t size = PAGE_SIZE << ARGS_ORDER, i, n;
	paddr_t pa = page_alloc(ARGS_ORDER, 0);
	char *at;

	if (pa == 0)
		return -ENOMEM;
	ex->area_pa = pa;
	ex->area = phys_to_virt(pa);
	for (ex->argc = 0; argv[ex->argc] != NULL; ex->argc++)
		continue;
	for (ex->envc = 0; envp[ex->envc] != NULL; ex->envc++)
		continue;
	ex->argv = (const char **)ex->area + PREFIX_SLOTS;
	ex->envp = ex->argv + ex->argc + 1;
	at = (char *)(ex->envp + ex->envc + 1);
	for (i = 0; i < ex->argc + ex->envc; i++) {
		const char *s = i < ex->argc ? argv[i] : envp[i - ex->argc];

		n = strlen(s) + 1;
		if (n > size - (size_t)(at - ex->area))
			return -E2BIG;
		memcpy(at, s, n);
		if (i < ex->argc)
			ex->argv[i] = at;
		else
			ex->envp[i - ex->argc] = at;
		at += n;
	}
	ex->argv[ex->argc] = NULL;
	ex->envp[ex->envc] = NULL;
	return 0;
}

/* /proc/mounts names the boot's /dev as Linux's devtmpfs. */
static void
label_dev(void)
{
	struct dentry *dev;

	vfs_lock();
	dev = dcache_lookup(vfs_root(), "dev", 3);
	if (dev != NULL && dev->mounted != NULL)
		vfs_mount_label(dev->mounted, "devtmpfs", "devtmpfs");
	vfs_unlock();
}

int
vfs_exec_kernel(const char *path, const char *const *argv,
    const char *const *envp)
{
	struct exec ex = { 0 };
	char *kpath;
	int err;

	/*
	 * init finds its devices at /dev, as on Linux (devtmpfs); a second
	 * exec from the kernel finds them mounted already (EBUSY).
	 */
	if (devfs_mount_dev() == 0)
		label_dev();
	reserve_begin(65536, "exec init");	/* as execve's bound */
	kpath = kmalloc(PATH_MAX);
	strlcpy(kpath, path, PATH_MAX);
	err = read_file(&ex, kpath);
	if (err == 0)
		err = copy_kargs(&ex, argv, envp);
	if (err == 0)
		err = exec_run(&ex, kpath);
	exec_free(&ex);
	kfree(kpath);
	reserve_end();
	return err;
}
