/*
 * The virtual file system: inodes, dentries, mounts and the path walk.
 *
 * An inode is a file's identity and attributes (mode, owner, link count,
 * size, times) plus its file system's methods; a dentry is one name of
 * an inode inside a parent directory.  Every dentry of a mounted tree is
 * kept in the dentry cache (core/fs/vfs.c), which for tmpfs is the whole
 * namespace, as with Linux's ramfs.  The mount table maps a directory
 * dentry to the root of the tree mounted over it; the root of everything
 * is a tmpfs.
 *
 * File systems whose names are not all in memory (procfs now, a disk
 * file system later) fill the cache on demand through five directory
 * and file hooks in struct inode_ops:
 *
 *   lookup      a name missing from the cache: the file system makes its
 *               inode, and the VFS caches the new dentry (vfs_lookup);
 *   revalidate  a cached name may have gone stale (a process exited):
 *               the VFS asks before using it, and drops stale dentries
 *               nobody holds (vfs_prune), so the cache stays bounded;
 *   readdir     getdents64 asks the file system for the entries from a
 *               cookie on, instead of walking cached children, so a
 *               directory never needs to be wholly in memory;
 *   readlink    a symlink whose target is computed when it is read or
 *               walked (/proc/self), instead of the stored ip->symlink;
 *   generate    a file whose contents are made whole, into a seqbuf, at
 *               the first read and at every read from offset 0 (Linux's
 *               seq_file), so one read(2) sees one consistent snapshot.
 *
 * A directory with a lookup method takes no new names from the VFS:
 * mkdir, mknod, symlink, link, rename and unlink there are EPERM, and
 * open(O_CREAT) is EACCES, as Linux says for a directory without the
 * inode methods, unless it also has the disk file system methods
 * (create, remove, link, rename: biscfs), which make each change on
 * disk before the VFS updates the cache.  A disk file system's cached
 * names stay valid (all changes go through the VFS), so its cache only
 * holds what was looked up or made.
 *
 * Locking: the namespace, every inode's attributes and tmpfs's file data
 * are changed only under one mutex, vfs_lock (see the essay atop vfs.c).
 * [v] marks fields under it, [i] immutable ones, [a] ones also read
 * (or, for dentry refs, changed) with atomics by the lock-free path
 * walk, which holds no lock: it reads [v] and [a] fields inside an epoch
 * read section (kern/epoch.h) and checks the namespace sequence count
 * (vfs_seq_begin) afterwards, so what vfs_lock writers free is retired
 * through the epoch, never freed at once.
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include "kern/epoch.h"
#include "kern/types.h"
#include "lib/list.h"

#define PATH_MAX	4096	/* bytes in a path, NUL included */
#define NAME_MAX	255	/* bytes in one component */
#define MAXSYMLINKS	40	/* symlinks one walk may follow (ELOOP) */

/* File types and permission bits, as st_mode encodes them. */
#define S_IFMT		0170000u
#define S_IFSOCK	0140000u
#define S_IFLNK		0120000u
#define S_IFREG		0100000u
#define S_IFBLK		0060000u
#define S_IFDIR		0040000u
#define S_IFCHR		0020000u
#define S_IFIFO		0010000u
#define S_ISUID		04000u
#define S_ISGID		02000u
#define S_ISVTX		01000u
#define S_IALLUGO	07777u
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m)	(((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m)	(((m) & S_IFMT) == S_IFLNK)
#define S_ISFIFO(m)	(((m) & S_IFMT) == S_IFIFO)

/* Access wanted, as access(2)'s mode. */
#define MAY_EXEC	1
#define MAY_WRITE	2
#define MAY_READ	4

/* open(2) flags the path layer reads (fs/file.h has the kept ones). */
#define O_CREAT		0x40u
#define O_EXCL		0x80u
#define O_NOCTTY	0x100u
#define O_TRUNC		0x200u
#define O_DIRECTORY	0x10000u
#define O_NOFOLLOW	0x20000u
#define O_PATH		0x200000u

/* *at(2) conventions. */
#define AT_FDCWD		(-100)
#define AT_SYMLINK_NOFOLLOW	0x100
#define AT_REMOVEDIR		0x200
#define AT_SYMLINK_FOLLOW	0x400
#define AT_EACCESS		0x200
#define AT_EMPTY_PATH		0x1000

struct inode;
struct dentry;
struct file;
struct pipe;
struct proc;

/*
 * A directory listing in progress (getdents64).  pos is the cookie to
 * resume from: 0 and 1 are "." and "..", which the VFS emits itself;
 * the rest are the file system's.  readdir calls emit for each entry
 * from pos on, in order, with the cookie that follows it, and stops
 * when emit returns false (the caller's buffer is full).
 */
struct dir_ctx {
	uint64_t pos;
	bool (*emit)(struct dir_ctx *ctx, const char *name, size_t len,
	    uint64_t ino, uint32_t mode, uint64_t next);
};

/*
 * A generated file's contents: generate() appends with seq_printf()
 * and seq_write(); when they do not fit, the VFS retries with a larger
 * buffer (up to SEQ_MAX bytes, after which the text is cut short).
 * The buffer is pages from the page allocator, not the heap, so a read
 * reservation does not grow with a file's size.
 */
struct seqbuf {
	char *buf;
	size_t size, len;
	bool overflow;
};
#define SEQ_MAX		(64 * 1024)

void seq_printf(struct seqbuf *sb, const char *fmt, ...) __printflike(2, 3);
void seq_write(struct seqbuf *sb, const void *data, size_t n);

/* A new inode's attributes, for inode_ops.create. */
struct vattr {
	uint32_t mode;		/* type and permission bits */
	uint32_t uid, gid;
	uint64_t rdev;		/* device nodes */
	const char *target;	/* symlinks: the target, NUL-terminated */
};

/* What statfs(2) reports of a file system with a statfs method. */
struct kstatfs {
	int64_t magic;
	uint64_t bsize, blocks, bfree, bavail, files, ffree;
	bool readonly;
};

/* A file system's methods on one inode.  Unused ones stay NULL. */
struct inode_ops {
	/* Copy up to n bytes at off into or out of kbuf; return bytes. */
	ssize_t (*read)(struct inode *ip, void *kbuf, size_t n, uint64_t off);
	ssize_t (*write)(struct inode *ip, const void *kbuf, size_t n,
	    uint64_t off);
	/* Set the size, dropping data beyond it (holes read as zeroes). */
	int (*truncate)(struct inode *ip, uint64_t size);
	/* The last reference is gone: free the data. */
	void (*release)(struct inode *ip);
	/*
	 * Directories (see the top of the file), all under vfs_lock.
	 * lookup: the inode named name in dir, with one reference for the
	 * caller, or -ENOENT.  revalidate: is cached d still right?
	 * readdir: entries from ctx->pos on; 0 or -errno.
	 */
	int (*lookup)(struct dentry *dir, const char *name, size_t len,
	    struct inode **out);
	bool (*revalidate)(struct dentry *d);
	int (*readdir)(struct dentry *dir, struct dir_ctx *ctx);
	/*
	 * Symlinks with a computed target: write it NUL-terminated into
	 * buf (PATH_MAX bytes) and return its length or -errno.  Called
	 * under vfs_lock.
	 */
	ssize_t (*readlink)(struct dentry *d, char *buf);
	/*
	 * Generated files: append the whole contents to sb; 0 or -errno
	 * (a vanished process: -ESRCH).  Called with no VFS lock held (the
	 * file's pos_lock is, for read); the open file keeps d.
	 */
	int (*generate)(struct dentry *d, struct seqbuf *sb);
	/*
	 * Disk file systems (biscfs): the methods that make namespace and
	 * attribute changes durable, under vfs_lock after the VFS's own
	 * checks.  A directory with create takes new names (it is not
	 * "fixed"); its file system keeps the link counts and times of
	 * what these touch, and the VFS only updates the dentry cache.
	 * create: a new inode va->mode named name in dir (any type; a
	 *   symlink's target in va->target), with one reference for the
	 *   caller.  remove: take d's name out of dir (rmdir: -ENOTEMPTY
	 *   unless d is an empty directory).  link: a new name for ip.
	 * rename: odir/old to ndir/name over new (NULL: none) with
	 *   renameat2's RENAME_EXCHANGE (flags); -ENOTEMPTY when new is a
	 *   directory with entries.  setattr: the VFS changed ip's mode,
	 *   owner or times: write them.  statfs: fill st for the tree whose
	 *   root inode is ip.  busy: does the file system hold files a
	 *   umount must wait for (open unlinked files, outside the tree)?
	 * fsync: make ip durable (with its whole file system: the journal
	 *   commits everything), no VFS lock held; 0 or -EIO.
	 */
	int (*create)(struct dentry *dir, const char *name, size_t len,
	    const struct vattr *va, struct inode **out);
	int (*remove)(struct dentry *dir, struct dentry *d, bool rmdir);
	int (*link)(struct dentry *dir, const char *name, size_t len,
	    struct inode *ip);
	int (*rename)(struct dentry *odir, struct dentry *old,
	    struct dentry *ndir, const char *name, size_t len,
	    struct dentry *new, unsigned flags);
	int (*setattr)(struct inode *ip);
	int (*statfs)(struct inode *ip, struct kstatfs *st);
	bool (*busy)(struct inode *ip);
	int (*fsync)(struct inode *ip, bool datasync);
	/*
	 * read and write (but O_APPEND writes) are called without
	 * vfs_lock: the file system serializes its data by itself (a
	 * per-inode sleeping lock, taken after vfs_lock where both are),
	 * so data I/O on one file does not stall the namespace.
	 */
	bool own_data_lock;
};

struct inode {
	uint64_t ino;			/* [i] */
	uint32_t mode;			/* [v] type and permission bits */
	uint32_t uid, gid;		/* [v] */
	uint32_t nlink;			/* [v] names, "." and subdirs */
	uint64_t size;			/* [v] */
	uint64_t blocks;		/* [v] 512-byte units of data held */
	int64_t atime, mtime, ctime;	/* [v] ns */
	int refs;			/* [v] dentries and open files */
	const struct inode_ops *ops;	/* [i] */
	void *priv;			/* [v] the file system's data */
	char *symlink;			/* [i] a symlink's target */
	struct pipe *pipe;		/* [v] a FIFO's pipe once opened */
	uint64_t rdev;			/* [i] a device node's number */
	struct epoch_entry free;	/* deferred free (epoch_retire) */
};

struct dentry {
	char name[NAME_MAX + 1];	/* [v][a] */
	size_t namelen;			/* [v][a] */
	struct dentry *parent;		/* [v][a] NULL: a root, or removed */
	struct inode *inode;		/* [i] */
	struct list children;		/* [v] by sibling, oldest first */
	struct list sibling;		/* [v] */
	struct dentry *hnext;		/* [v][a] hash chain of the cache */
	uint64_t pos;			/* [v] getdents64 cookie */
	uint64_t next_pos;		/* [v] cookie for the next child */
	size_t nchildren;		/* [v] */
	int refs;			/* [a] holders: cwd, root, files */
	bool linked;			/* [v][a] in the tree */
	struct mount *mounted;		/* [v][a] mounted over this */
	struct mount *mounted_on;	/* [v][a] this is that mount's root */
	uint32_t dev;			/* [v] its tree's st_dev minor */
	uint32_t used;			/* [a] eviction clock at last lookup */
	struct epoch_entry free;	/* deferred free (epoch_retire) */
};

struct mount {
	struct dentry *root;		/* [i] root of the mounted tree */
	struct dentry *mountpoint;	/* [i] NULL for the root mount */
	struct mount *next;		/* [v] the mount table */
	char type[16];			/* [v] for /proc/mounts, statfs */
	char source[32];		/* [v] mount(2)'s source, or type */
	struct epoch_entry free;	/* deferred free (epoch_retire) */
};

/* Every mount, newest first (/proc/mounts lists them oldest first). [v] */
struct mount *vfs_mounts(void);

/* Name a mount's type and source (what mount(2) or the boot path mounted). */
void vfs_mount_label(struct mount *m, const char *type, const char *source);

/* The lock of the whole namespace: take it around any VFS operation. */
void vfs_lock(void);
void vfs_unlock(void);

/*
 * The namespace sequence count: odd while vfs_lock is held, so every
 * change the lock-free walk could see is bracketed.  vfs_seq_begin()
 * samples it (odd: a writer is in, do not bother); vfs_seq_valid() says
 * nothing was written since.
 */
uint64_t vfs_seq_begin(void);
bool vfs_seq_valid(uint64_t seq);

/*
 * Debug counters: vfs_lock acquisitions, and lock-free walks that gave
 * the answer (hits) or fell back to the locked walk.  Tests and the
 * benchmark read them; namei_fast_off forces the locked walk.
 */
extern uint64_t vfs_lock_count;
extern uint64_t namei_fast_hits;
extern uint64_t namei_fast_fallbacks;
extern bool namei_fast_off;

/* The root dentry (the root tmpfs, made on first use). */
struct dentry *vfs_root(void);

/*
 * Dentry references, for cwd, root and open files.  vfs_dget needs a
 * reference held or vfs_lock; vfs_dput takes vfs_lock only when it may
 * have to free (the last reference to an unlinked dentry).
 */
struct dentry *vfs_dget(struct dentry *d);
void vfs_dput(struct dentry *d);
void vfs_dput_locked(struct dentry *d);

/*
 * For the lock-free walk, inside an epoch section: a provisional
 * reference on d (false if d is dying), then made real once the walk
 * validated (dentry_spec_keep) or dropped (dentry_spec_drop).  A writer
 * that counts references waits out provisional ones.
 */
bool dentry_spec_get(struct dentry *d);
void dentry_spec_keep(struct dentry *d);
void dentry_spec_drop(struct dentry *d);

/*
 * The cache. [v]  dcache_lookup() sees only what is cached, which is
 * all there is in tmpfs; elsewhere use vfs_lookup().
 */
struct dentry *dcache_lookup(struct dentry *dir, const char *name,
    size_t len);
/*
 * The same without vfs_lock, inside an epoch section, for the walk that
 * began at seq: the dentry or NULL, or *retry set when the cache changed
 * under it (the caller then falls back to the locked walk).
 */
struct dentry *dcache_lookup_rcu(struct dentry *dir, const char *name,
    size_t len, uint64_t seq, bool *retry);
/*
 * Drop cached names nobody uses, of directories whose file system can
 * read them again (those with a lookup method: biscfs, procfs), least
 * recently used first, until about npages pages' worth is freed; never
 * held dentries, ones mounted over, or tmpfs's (the namespace itself).
 * For memory pressure: it does nothing when vfs_lock is busy or held
 * by the caller.  Returns about how many pages it freed.
 */
size_t dcache_evict(size_t npages);
/* Dentries allocated and not yet freed (tests: reclamation drains). */
size_t dcache_live(void);
/*
 * A name in dir as the path walk sees it (vfs_lock held): the cached
 * dentry if still valid (revalidate), else what the file system's
 * lookup makes, cached; NULL when there is no such name.
 */
struct dentry *vfs_lookup(struct dentry *dir, const char *name, size_t len);
/*
 * Why the last vfs_lookup() (this vfs_lock hold) found nothing: -ENOENT,
 * or the file system's error (-EUCLEAN for a damaged directory, -EIO),
 * which the path walk reports instead of ENOENT.  [v]
 */
int vfs_lookup_errno(void);
/*
 * Drop dir's stale children that nobody holds (revalidate says no). [v]
 * vfs_lookup prunes dir before it adds a name there, so a caller that
 * keeps an unreferenced dentry across another walk holds it (vfs_dget)
 * meanwhile, as rename and link do.
 */
void vfs_prune(struct dentry *dir);
/* Does dir refuse new names (a file system's own directory)? [v] */
bool vfs_dir_fixed(const struct dentry *dir);
/*
 * List dir from ctx->pos on: ".", "..", then the file system's readdir
 * or the cached children.  [v]
 */
int vfs_readdir(struct dentry *dir, struct dir_ctx *ctx);
/*
 * A symlink's target into buf (PATH_MAX bytes, NUL-terminated): stored
 * or computed.  Its length or -errno.  [v]
 */
ssize_t vfs_readlink(struct dentry *d, char *buf);
/*
 * The path of d as seen from root, into buf (size bytes,
 * NUL-terminated): its length, -ENAMETOOLONG, or -ENOENT when d is
 * no longer linked.  [v]
 */
ssize_t vfs_dpath(struct dentry *d, struct dentry *root, char *buf,
    size_t size);
struct dentry *dcache_add(struct dentry *dir, const char *name, size_t len,
    struct inode *ip);
void dcache_remove(struct dentry *d);
void dcache_move(struct dentry *d, struct dentry *dir, const char *name,
    size_t len);

/* Inodes. [v] */
struct inode *inode_alloc(uint32_t mode, uint32_t uid, uint32_t gid);
void inode_put(struct inode *ip);
int64_t vfs_now(void);

/* tmpfs */
struct inode *tmpfs_inode(uint32_t mode, uint32_t uid, uint32_t gid);
extern const struct inode_ops tmpfs_ops;

/*
 * Permission: may the current credentials access ip as mask (MAY_*)?
 * 0 or -EACCES.  Root passes everything except exec of a file with no x
 * bit at all.
 */
int vfs_permission(struct inode *ip, int mask);
/* The same for access(2): with the real ids when `real` is set. */
int vfs_access(struct inode *ip, int mask, bool real);

/* The path walk (namei.c).  Flags: */
#define WALK_FOLLOW	0x1	/* follow a final symlink */
#define WALK_EMPTY	0x2	/* "" names dirfd itself (AT_EMPTY_PATH) */
#define WALK_DIR	0x4	/* the result must be a directory */

/*
 * Resolve path (a kernel string, vfs_lock held) from the directory open
 * as `at`, or from the cwd when at is NULL (AT_FDCWD).  The caller gets
 * `at` from its fd before taking vfs_lock and drops it after, since the
 * last close of a file takes vfs_lock.  On success *out is the dentry
 * (no reference taken: valid while vfs_lock is held).
 */
int namei(struct file *at, const char *path, int flags,
    struct dentry **out);

/*
 * Resolve all but the last component: *dir is the parent, *last points
 * into path at the last name (len *lastlen, trailing slashes not
 * counted; *trailing says if there were any).  The last name may be "."
 * or "..", which the caller refuses as its call requires.
 */
int namei_parent(struct file *at, const char *path, struct dentry **dir,
    const char **last, size_t *lastlen, bool *trailing);

/*
 * The lock-free walk (RCU-walk): resolve path as namei() would, with no
 * lock, through cached names only, then run fn on the result (reading
 * what it needs into arg; it must change nothing shared) and validate
 * that the namespace did not change meanwhile.  Returns fn's result,
 * the walk's -errno, or NAMEI_FALLBACK when the walk needs the file
 * system or raced a writer: the caller then does its usual locked walk,
 * whose result this equals whenever it is not NAMEI_FALLBACK.  With ref
 * != NULL and a 0 result, *ref is the dentry with a reference taken
 * (vfs_dput it).  fn may be NULL; fn itself may return NAMEI_FALLBACK
 * for work it cannot do unlocked.
 */
#define NAMEI_FALLBACK	1
typedef int (*namei_fn)(struct dentry *d, void *arg);
int namei_fast(struct file *at, const char *path, int flags, namei_fn fn,
    void *arg, struct dentry **ref);

/* Copy a user path in: 0, -EFAULT, -ENAMETOOLONG. buf holds PATH_MAX. */
int vfs_getpath(char *buf, uaddr_t upath);

/* The dentry behind an open VFS file, or NULL for other files. */
struct dentry *vfs_file_dentry(struct file *f);

/*
 * What fstat and statx report for a file with no dentry (a pipe, socket,
 * console, eventfd or epoll file): st_mode, st_ino and st_rdev (in the
 * encoding inode rdev uses), as Linux's pseudo file systems give them.
 */
void file_anon_attr(struct file *f, uint32_t *mode, uint64_t *ino,
    uint64_t *rdev);

/*
 * Mount a tree whose root directory is rootip over the directory mp
 * (vfs_lock held): the new root dentry, or NULL when mp has a mount
 * over it already.
 */
struct dentry *vfs_mount_inode(struct dentry *mp, struct inode *rootip);

/*
 * Unmount the tree whose root is root (vfs_lock held): 0, -EINVAL when
 * root is no mounted tree's root, -EBUSY while any of it is held (an
 * open file, a cwd) or mounted over.
 */
int vfs_umount(struct dentry *root);

/*
 * File system types for mount(2) (fs/mount.c): mount(mp, source, flags)
 * mounts a new instance over the directory mp (vfs_lock held;
 * vfs_mount_inode) and returns 0 or -errno; source is mount(2)'s (a
 * device for disk file systems, "none" when absent) and flags its
 * mountflags (MS_RDONLY).  umount(root), unless NULL, runs after
 * umount2(2) dropped any tree, with that tree's old root address: a type
 * compares it with the trees it keeps state about (never dereferences
 * it).
 */
#define MS_RDONLY	0x1ul
typedef int (*vfs_mount_fn)(struct dentry *mp, const char *source,
    unsigned long flags);
void vfs_register_fstype(const char *name, vfs_mount_fn mount,
    void (*umount)(struct dentry *root));

/* Make ip's attributes durable (its setattr method, if any): 0/-errno. */
int vfs_setattr(struct inode *ip);

/*
 * Open d as a file (checks done); returns the file with one reference.
 * Not for character devices or FIFOs, whose opens may fail or wait:
 * open(2) gives those to devfs_open_file() and fifo_open().
 */
struct file *vfs_open_dentry(struct dentry *d, unsigned flags);

/*
 * Unpack a newc cpio archive into the root tmpfs (fs/cpio.c): 0, or
 * -EINVAL for a malformed archive (what came before it stays),
 * -ENAMETOOLONG, -ENOSPC.  Call outside any heap reservation.
 */
int cpio_unpack(const void *archive, size_t len);

/*
 * Exec path in the current process from the kernel (init at boot), with
 * kernel argv and envp; the caller then enters user mode.  0 or -errno,
 * as execve(2).  Call outside any heap reservation.
 */
int vfs_exec_kernel(const char *path, const char *const *argv,
    const char *const *envp);

/*
 * The process's working directory, root and executable (p->exe, for
 * /proc/PID/exe), inherited over fork with the exec-time argv range.
 */
void vfs_proc_init(struct proc *p, struct proc *parent);
void vfs_proc_release(struct proc *p);

/*
 * FIFOs (fs/pipe.c).  Opening one joins the pipe hanging off its inode,
 * made at the first open: fifo_get() under vfs_lock takes a reference
 * on it, fifo_open() with no lock held waits for the other side as
 * open(2) does for a FIFO and gives back the file or -errno (dropping
 * the reference either way).  pipe_inode_release() drops the inode's.
 */
struct pipe *fifo_get(struct inode *ip);	/* NULL: -ENOMEM */
long fifo_open(struct pipe *p, unsigned flags, struct file **out);
void pipe_inode_release(struct pipe *p);
/* A pipe end's inode number (pipe:[ino]), or 0 when f is no pipe. */
uint64_t pipe_file_ino(struct file *f);

/* procfs (fs/procfs.c): mount(2)'s "proc" type, any number of trees. */
int procfs_mount(struct dentry *mp);

/* /proc/filesystems: a line per type mount(2) knows (fs/mount.c). */
void vfs_list_fstypes(struct seqbuf *sb);

#endif
