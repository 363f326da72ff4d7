/*
 * The VFS core: inodes, the dentry cache, the mount table, permissions,
 * and open files over inodes.
 *
 * Objects.  An inode is a file (attributes and data methods); a dentry
 * names an inode inside its parent directory.  A directory's children
 * are dentries on its `children` list, oldest first, and every linked
 * dentry is also on one chain of the dentry cache, a hash table keyed by
 * (parent, name), so that a path component costs one hash probe rather
 * than a scan of the directory.  tmpfs keeps no namespace of its own:
 * its directories are exactly their dentries (Linux's ramfs does the
 * same), so the cache never misses for a name that exists and never
 * needs to evict.
 *
 * File systems that make their names (procfs, and a disk file system
 * later) plug in behind vfs_lookup(): a miss asks the directory's
 * lookup method and caches what it returns, and a hit asks revalidate
 * whether the name still stands (a /proc/PID whose process is gone).
 * Such caches only grow with names someone looked up; before adding to
 * a directory, the stale children nobody holds are dropped (vfs_prune),
 * so a directory's cache is bounded by its live names plus the held
 * ones.  getdents64 asks the readdir method rather than the cached
 * children, so listings never depend on what happens to be cached.
 * A symlink's target may be computed when read (readlink), and a file's
 * contents made whole at the first read (generate, into a seqbuf), as
 * Linux's seq_file: /proc's text files are snapshots, not live views.
 *
 * Lifetimes.  A linked dentry is held by the tree; cwd, root and open
 * files hold counted references (vfs_dget/vfs_dput).  Unlinking removes
 * the name from the tree and the cache; the dentry lives on, detached
 * (parent NULL), while anyone holds it, so an unlinked open file keeps
 * reading and writing its data, as POSIX requires.  Each dentry holds
 * one reference on its inode; the inode's data goes when the last
 * reference does.  Directory cookies for getdents64 are per-parent
 * sequence numbers (`pos`), so a directory read in pieces neither skips
 * nor repeats entries that stay while it is read.
 *
 * The path walk (namei.c) goes one component at a time from the root
 * (absolute paths), the cwd or a directory fd: "." stays, ".." goes to
 * the parent but never above the process's root, and at the root of a
 * mounted tree crosses back to the directory it is mounted on; a
 * directory with a mount over it is left for the mounted root.  Every
 * directory passed needs search (x) permission.  A symlink met in the
 * middle of a path is always followed, a final one only when the call
 * says so; its target is walked from the symlink's directory (or from
 * the root when absolute), and one walk follows at most 40 (ELOOP).
 *
 * Locking.  One sleeping mutex, vfs_lock, serialises every writer of
 * the namespace (the tree, the cache, the mount table), every inode's
 * attributes and tmpfs's data.  A syscall that changes anything takes
 * it once, walks, acts and drops it, so rename needs no lock ordering
 * between directories.  Order: a file's pos_lock before vfs_lock (read,
 * write and getdents64 hold the position while they work), never the
 * other way.  fd tables are touched only with vfs_lock dropped, since
 * the last close of a file may take vfs_lock; copyin/copyout under it
 * may fault in anonymous memory only, which never reaches the VFS.
 *
 * Lock-free lookups.  Calls that only look a path up (stat, statx,
 * access, readlink, open of an existing file, chdir, execve's lookup)
 * first try the lock-free walk (namei_fast in namei.c) and take
 * vfs_lock only when it falls back.  Three things make that safe:
 *
 *   - A namespace sequence count, ns_seq, odd for exactly as long as
 *     vfs_lock is held: vfs_lock() and vfs_unlock() bump it.  So every
 *     change a walker could see -- a dentry hashed, unhashed or moved,
 *     a mount or umount, a chmod or chown, a cwd -- is bracketed, with
 *     no chance of a writer forgetting to.  The price of one count for
 *     all writers is that any vfs_lock holder (a tmpfs read, too) sends
 *     concurrent walks to the lock; finer counts (per directory, per
 *     inode) would fix that and are the next step if profiles say so.
 *   - Epoch reclamation (kern/epoch.c).  Walkers run inside an epoch
 *     read section; a dentry, an inode (with its symlink target) and a
 *     mount record are retired, not freed, and their memory goes only
 *     when every section that could see them has ended.  vfs_unlock()
 *     drives that, a bounded batch at a time.  The file system's own
 *     release still runs at once, under vfs_lock, as before.
 *   - Atomic dentry references.  A walk that must hand back a dentry
 *     (open, chdir) takes a provisional reference (DREF_SPEC units)
 *     before it validates the count and makes it real after; a writer
 *     counting references (is this tree busy? may this dentry go?)
 *     first waits out provisional ones, which never block.  The last
 *     reference to a linked dentry drops without the lock; one to an
 *     unlinked dentry, or a race with its unlink, takes vfs_lock, and a
 *     compare-and-swap to DREF_DEAD lets exactly one party free it.
 *
 * Pointers a walker follows (hash chains, parent, mounted, mounted_on)
 * are stored with release and loaded with acquire; names may be read
 * half rewritten by a rename, which the count check then rejects.
 *
 * Eviction.  Names a file system can read again (directories with a
 * lookup method: biscfs, procfs) may be dropped under memory pressure
 * (dcache_evict): unreferenced leaves not mounted over, least recently
 * looked up first by a clock that each eviction pass advances and each
 * lookup stamps.  tmpfs's names are its namespace and never go.
 */
#include "contract/physmem.h"
#include "fs/devfs.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/epoch.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/time.h"
#include "lib/hash.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/mutex.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/spinlock.h"

#define DCACHE_BUCKETS	1024	/* power of two */
#define DCACHE_CHAIN	256	/* longer walks of a chain fall back */

/*
 * A dentry's refs: the real count in the low bits, provisional ones of
 * lock-free walks in units of DREF_SPEC above, and DREF_DEAD once freed.
 */
#define DREF_SPEC	(1 << 20)
#define DREF_MASK	(DREF_SPEC - 1)
#define DREF_DEAD	(-(1 << 30))

static struct mutex vfs_mutex;
static struct dentry *dcache[DCACHE_BUCKETS];	/* [v] */
static struct mount *mounts;			/* [v] the mount table */
static struct dentry *root_dentry;		/* [i] after vfs_root() */
static uint64_t next_ino = 1;			/* [v] */
static uint32_t next_dev = 1;			/* [v] st_dev per tree */
static uint64_t ns_seq;				/* [a] odd: vfs_lock held */
static uint32_t evict_clock = 1;		/* [a] dcache_evict passes */
static size_t ndentries;			/* [a] allocated, not freed */

uint64_t vfs_lock_count;			/* [a] */

/* Taken: the namespace is being written until vfs_unlock. */
static void
vfs_locked(void)
{
	__atomic_add_fetch(&vfs_lock_count, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ns_seq, 1, __ATOMIC_SEQ_CST);
}

void
vfs_lock(void)
{
	mutex_lock(&vfs_mutex);
	vfs_locked();
}

void
vfs_unlock(void)
{
	__atomic_add_fetch(&ns_seq, 1, __ATOMIC_SEQ_CST);
	mutex_unlock(&vfs_mutex);
	/* Writers drive reclamation of what they retired. */
	epoch_poll();
}

uint64_t
vfs_seq_begin(void)
{
	return __atomic_load_n(&ns_seq, __ATOMIC_SEQ_CST);
}

bool
vfs_seq_valid(uint64_t seq)
{
	return (seq & 1) == 0 &&
	    __atomic_load_n(&ns_seq, __ATOMIC_SEQ_CST) == seq;
}

/* Timestamps: the wall clock (CLOCK_REALTIME), in nanoseconds. */
int64_t
vfs_now(void)
{
	return (int64_t)time_realtime_ns();
}

struct inode *
inode_alloc(uint32_t mode, uint32_t uid, uint32_t gid)
{
	struct inode *ip = kzalloc(sizeof(*ip));

	ip->ino = next_ino++;
	ip->mode = mode;
	ip->uid = uid;
	ip->gid = gid;
	ip->atime = ip->mtime = ip->ctime = vfs_now();
	return ip;
}

static void
inode_free(struct epoch_entry *e)
{
	struct inode *ip = container_of(e, struct inode, free);

	kfree(ip->symlink);
	kfree(ip);
}

/*
 * The file system lets go now; the memory (and a symlink's target, which
 * the lock-free walk follows) waits out the readers.
 */
void
inode_put(struct inode *ip)
{
	if (--ip->refs > 0)
		return;
	if (ip->ops != NULL && ip->ops->release != NULL)
		ip->ops->release(ip);
	if (ip->pipe != NULL)
		pipe_inode_release(ip->pipe);
	epoch_retire(&ip->free, inode_free);
}

static size_t
dcache_bucket(const struct dentry *dir, const char *name, size_t len)
{
	return hash_combine(hash_ptr(dir), hash_bytes(name, len)) &
	    (DCACHE_BUCKETS - 1);
}

struct dentry *
dcache_lookup(struct dentry *dir, const char *name, size_t len)
{
	struct dentry *d;

	for (d = dcache[dcache_bucket(dir, name, len)]; d != NULL;
	    d = d->hnext)
		if (d->parent == dir && d->namelen == len &&
		    memcmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

/*
 * Writers may be moving dentries between chains as this runs: every
 * pointer is loaded once, a name compared may be half rewritten (the
 * seq check then fails), and a chain that seems too long, or a seq that
 * moved, sends the walk back to the lock.  What is reached is never
 * freed before the caller's epoch section ends.
 */
struct dentry *
dcache_lookup_rcu(struct dentry *dir, const char *name, size_t len,
    uint64_t seq, bool *retry)
{
	struct dentry *d;
	int n = 0;

	*retry = false;
	d = __atomic_load_n(&dcache[dcache_bucket(dir, name, len)],
	    __ATOMIC_ACQUIRE);
	for (; d != NULL; d = __atomic_load_n(&d->hnext, __ATOMIC_ACQUIRE)) {
		if (++n > DCACHE_CHAIN || !vfs_seq_valid(seq)) {
			*retry = true;
			return NULL;
		}
		if (__atomic_load_n(&d->parent, __ATOMIC_RELAXED) == dir &&
		    __atomic_load_n(&d->namelen, __ATOMIC_RELAXED) == len &&
		    memcmp(d->name, name, len) == 0) {
			if (__atomic_load_n(&d->used, __ATOMIC_RELAXED) !=
			    evict_clock)
				__atomic_store_n(&d->used, evict_clock,
				    __ATOMIC_RELAXED);
			return d;
		}
	}
	return NULL;
}

/* Publish d at the head of its chain: its fields are set before. */
static void
dcache_hash(struct dentry *d)
{
	size_t b = dcache_bucket(d->parent, d->name, d->namelen);

	d->hnext = dcache[b];
	__atomic_store_n(&dcache[b], d, __ATOMIC_RELEASE);
}

static void
dcache_unhash(struct dentry *d)
{
	struct dentry **pp = &dcache[dcache_bucket(d->parent, d->name,
	    d->namelen)];

	while (*pp != d)
		pp = &(*pp)->hnext;
	/* d->hnext stays: a walker standing on d goes on down the chain. */
	__atomic_store_n(pp, d->hnext, __ATOMIC_RELEASE);
}

/* Link d under dir as name: it joins the list, the cache and the tree. */
static void
dentry_link(struct dentry *d, struct dentry *dir, const char *name,
    size_t len)
{
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->namelen = len;
	d->parent = dir;
	d->dev = dir->dev;
	d->used = evict_clock;
	d->pos = dir->next_pos++;
	list_push_back(&dir->children, &d->sibling);
	dir->nchildren++;
	dcache_hash(d);
	__atomic_store_n(&d->linked, true, __ATOMIC_SEQ_CST);
}

static void
dentry_unlink(struct dentry *d)
{
	dcache_unhash(d);
	list_remove(&d->sibling);
	d->parent->nchildren--;
	/* Ordered before the caller reads refs (see vfs_dput). */
	__atomic_store_n(&d->linked, false, __ATOMIC_SEQ_CST);
}

static struct dentry *
dentry_alloc(struct inode *ip)
{
	struct dentry *d = kzalloc(sizeof(*d));

	list_init(&d->children);
	d->inode = ip;
	d->next_pos = 2;	/* 0 and 1 are "." and ".." */
	ip->refs++;
	__atomic_add_fetch(&ndentries, 1, __ATOMIC_RELAXED);
	return d;
}

size_t
dcache_live(void)
{
	return __atomic_load_n(&ndentries, __ATOMIC_RELAXED);
}

struct dentry *
dcache_add(struct dentry *dir, const char *name, size_t len,
    struct inode *ip)
{
	struct dentry *d = dentry_alloc(ip);

	dentry_link(d, dir, name, len);
	return d;
}

static void
dentry_memfree(struct epoch_entry *e)
{
	kfree(container_of(e, struct dentry, free));
	__atomic_sub_fetch(&ndentries, 1, __ATOMIC_RELAXED);
}

/*
 * d's real reference count once no lock-free walk holds a provisional
 * one ([v]: walks that start now fail their seq check and let go, and
 * one that validated before vfs_lock turns its reference real).  A
 * provisional holder never blocks, so waiting for it is short.
 */
static int
dentry_refs(struct dentry *d)
{
	int r;

	while ((r = __atomic_load_n(&d->refs, __ATOMIC_SEQ_CST)) >= DREF_SPEC)
		thread_yield();
	return r < 0 ? 0 : r;
}

/*
 * Free detached d if nobody holds it ([v]): mark it dead, unless a real
 * reference appeared, then drop its inode reference now and the memory
 * after the readers.  A lock-free vfs_dput racing with the unlink may
 * try too; the mark lets exactly one of them free.
 */
static bool
dentry_try_free(struct dentry *d)
{
	int r;

	for (;;) {
		r = __atomic_load_n(&d->refs, __ATOMIC_SEQ_CST);
		if (r < 0)
			return false;		/* freed already */
		if (r >= DREF_SPEC) {
			thread_yield();
			continue;
		}
		if (r != 0)
			return false;
		if (__atomic_compare_exchange_n(&d->refs, &r, DREF_DEAD,
		    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	inode_put(d->inode);
	epoch_retire(&d->free, dentry_memfree);
	return true;
}

/* A detached dentry nobody holds: free it and its inode reference. */
static void
dentry_free(struct dentry *d)
{
	dentry_try_free(d);
}

void
dcache_remove(struct dentry *d)
{
	dentry_unlink(d);
	__atomic_store_n(&d->parent, NULL, __ATOMIC_RELEASE);
	dentry_try_free(d);
}

void
dcache_move(struct dentry *d, struct dentry *dir, const char *name,
    size_t len)
{
	dentry_unlink(d);
	dentry_link(d, dir, name, len);
}

/* Drop the tree under d, d included (nothing holds it).  [v] */
static void tree_free(struct dentry *d);
static bool tree_busy(struct dentry *d, bool top);

/* Is cached d still right?  Names without a revalidate method always are. */
static bool
dentry_valid(struct dentry *d)
{
	const struct inode_ops *ops = d->parent->inode->ops;

	return ops == NULL || ops->revalidate == NULL || ops->revalidate(d);
}

void
vfs_prune(struct dentry *dir)
{
	struct list *it, *tmp;
	struct dentry *c;

	list_foreach_safe(it, tmp, &dir->children) {
		c = list_entry(it, struct dentry, sibling);
		if (!dentry_valid(c) && !tree_busy(c, false))
			tree_free(c);
	}
}

/* Why the last vfs_lookup() found nothing. [v] */
static int lookup_errno = -ENOENT;

int
vfs_lookup_errno(void)
{
	return lookup_errno;
}

struct dentry *
vfs_lookup(struct dentry *dir, const char *name, size_t len)
{
	const struct inode_ops *ops = dir->inode->ops;
	struct dentry *d = dcache_lookup(dir, name, len);
	struct inode *ip;
	int err;

	lookup_errno = -ENOENT;

	if (d != NULL) {
		if (dentry_valid(d)) {
			d->used = evict_clock;
			return d;
		}
		/* Stale: gone now, unless held (then pruned when let go). */
		if (!tree_busy(d, false))
			tree_free(d);
		return NULL;
	}
	if (ops == NULL || ops->lookup == NULL)
		return NULL;
	if ((err = ops->lookup(dir, name, len, &ip)) != 0) {
		lookup_errno = err;
		return NULL;
	}
	/* Only names that can go stale need pruning (not a disk's). */
	if (ops->revalidate != NULL)
		vfs_prune(dir);
	d = dcache_add(dir, name, len, ip);
	inode_put(ip);		/* the dentry holds it now */
	return d;
}

/*
 * May eviction drop d?  A name a file system can read again (its
 * directory has a lookup method), with no children, not mounted over
 * and not held.  [v]
 */
static bool
evictable(struct dentry *d)
{
	const struct inode_ops *ops;

	if (d->parent == NULL || d->mounted != NULL || d->nchildren != 0)
		return false;
	ops = d->parent->inode->ops;
	return ops != NULL && ops->lookup != NULL && dentry_refs(d) == 0;
}

/*
 * One pass over the cache, dropping evictable names (only those not
 * looked up since the last pass, unless `any`) until `want` bytes are
 * counted freed.  A dentry's memory counts, and its inode's when the
 * dentry held the last reference.
 */
static size_t
evict_pass(size_t want, bool any)
{
	struct dentry *d, *next;
	uint32_t clock = evict_clock;
	size_t b, freed = 0;

	for (b = 0; b < DCACHE_BUCKETS && freed < want; b++) {
		for (d = dcache[b]; d != NULL && freed < want; d = next) {
			next = d->hnext;
			if ((!any && d->used == clock) || !evictable(d))
				continue;
			freed += sizeof(*d);
			if (d->inode->refs == 1)
				freed += sizeof(*d->inode);
			dcache_remove(d);
		}
	}
	return freed;
}

/*
 * The clock: lookups stamp a dentry with evict_clock, and each call
 * moves it on, so names not looked up since the last call go before
 * the rest (least recently used first, at the clock's granularity).
 * Only a free vfs_lock is taken: the caller may be allocating inside a
 * VFS operation, or under a file system's lock that orders after it.
 */
size_t
dcache_evict(size_t npages)
{
	size_t want = npages * PAGE_SIZE, freed;

	if (root_dentry == NULL || npages == 0 || mutex_held(&vfs_mutex) ||
	    !mutex_trylock(&vfs_mutex))
		return 0;
	vfs_locked();
	freed = evict_pass(want, false);
	if (freed < want)
		freed += evict_pass(want - freed, true);
	__atomic_store_n(&evict_clock, evict_clock + 1, __ATOMIC_RELAXED);
	vfs_unlock();
	return (freed + PAGE_SIZE - 1) / PAGE_SIZE;
}

bool
vfs_dir_fixed(const struct dentry *dir)
{
	return dir->inode->ops != NULL && dir->inode->ops->lookup != NULL &&
	    dir->inode->ops->create == NULL;
}

int
vfs_setattr(struct inode *ip)
{
	if (ip->ops == NULL || ip->ops->setattr == NULL)
		return 0;
	return ip->ops->setattr(ip);
}

/* The cached children as directory entries: tmpfs's listing. */
static int
dcache_readdir(struct dentry *dir, struct dir_ctx *ctx)
{
	struct list *it;
	struct dentry *c;

	list_foreach(it, &dir->children) {
		c = list_entry(it, struct dentry, sibling);
		if (c->pos < ctx->pos)
			continue;
		if (!ctx->emit(ctx, c->name, c->namelen, c->inode->ino,
		    c->inode->mode, c->pos + 1))
			return 0;
		ctx->pos = c->pos + 1;
	}
	/* Past every entry, so later children are still found. */
	if (ctx->pos < dir->next_pos)
		ctx->pos = dir->next_pos;
	return 0;
}

int
vfs_readdir(struct dentry *dir, struct dir_ctx *ctx)
{
	struct dentry *up;

	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, dir->inode->ino, dir->inode->mode,
		    1))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		up = dir->parent != NULL ? dir->parent : dir;
		if (!ctx->emit(ctx, "..", 2, up->inode->ino, up->inode->mode,
		    2))
			return 0;
		ctx->pos = 2;
	}
	if (dir->inode->ops != NULL && dir->inode->ops->readdir != NULL)
		return dir->inode->ops->readdir(dir, ctx);
	return dcache_readdir(dir, ctx);
}

ssize_t
vfs_readlink(struct dentry *d, char *buf)
{
	struct inode *ip = d->inode;
	size_t n;

	if (!S_ISLNK(ip->mode))
		return -EINVAL;
	if (ip->ops != NULL && ip->ops->readlink != NULL)
		return ip->ops->readlink(d, buf);
	n = MIN((size_t)ip->size, (size_t)PATH_MAX - 1);
	memcpy(buf, ip->symlink, n);
	buf[n] = '\0';
	return (ssize_t)n;
}

struct dentry *
vfs_dget(struct dentry *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_SEQ_CST);
	return d;
}

void
vfs_dput_locked(struct dentry *d)
{
	int r = __atomic_sub_fetch(&d->refs, 1, __ATOMIC_SEQ_CST);

	if ((r & DREF_MASK) == 0 && !d->linked && d != root_dentry)
		dentry_try_free(d);
}

bool
dentry_spec_get(struct dentry *d)
{
	if (__atomic_add_fetch(&d->refs, DREF_SPEC, __ATOMIC_SEQ_CST) < 0) {
		__atomic_sub_fetch(&d->refs, DREF_SPEC, __ATOMIC_SEQ_CST);
		return false;
	}
	return true;
}

void
dentry_spec_keep(struct dentry *d)
{
	__atomic_add_fetch(&d->refs, 1 - DREF_SPEC, __ATOMIC_SEQ_CST);
}

void
dentry_spec_drop(struct dentry *d)
{
	__atomic_sub_fetch(&d->refs, DREF_SPEC, __ATOMIC_SEQ_CST);
}

/*
 * Without vfs_lock unless this may be the last reference to an unlinked
 * dentry.  The last reference to a linked one goes with a compare-and-
 * swap, then a second look at `linked`: an unlink racing with it stores
 * linked = false before it reads refs, this drops refs before it reads
 * linked (both sequentially consistent), so at least one of them sees
 * the other and tries to free, and dentry_try_free lets one succeed.
 * The epoch section keeps d's memory while we look at it after letting
 * go.  A file's last close may come with vfs_lock held by this thread
 * (procfs describes another process's files, and the reference it takes
 * may turn out to be the last), so the locked path checks for that.
 */
void
vfs_dput(struct dentry *d)
{
	epoch_token_t t = epoch_enter();
	bool held = mutex_held(&vfs_mutex);
	int r;

	for (;;) {
		r = __atomic_load_n(&d->refs, __ATOMIC_SEQ_CST);
		if ((r & DREF_MASK) > 1 || ((r & DREF_MASK) == 1 &&
		    __atomic_load_n(&d->linked, __ATOMIC_SEQ_CST))) {
			if (!__atomic_compare_exchange_n(&d->refs, &r, r - 1,
			    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				continue;
			if ((r & DREF_MASK) > 1 || d == root_dentry ||
			    __atomic_load_n(&d->linked, __ATOMIC_SEQ_CST))
				break;
			/* Unlinked meanwhile: free it unless the unlink did. */
			if (!held)
				vfs_lock();
			if (!d->linked)
				dentry_try_free(d);
			if (!held)
				vfs_unlock();
			break;
		}
		if (!held)
			vfs_lock();
		vfs_dput_locked(d);
		if (!held)
			vfs_unlock();
		break;
	}
	epoch_leave(t);
}

/* The root: a tmpfs mounted on nothing, mode 0755, owned by root. */
struct dentry *
vfs_root(void)
{
	struct mount *m;

	if (root_dentry != NULL)
		return root_dentry;
	mutex_init(&vfs_mutex, "vfs");
	root_dentry = dentry_alloc(tmpfs_inode(S_IFDIR | 0755, 0, 0));
	root_dentry->inode->nlink = 2;
	root_dentry->linked = true;
	root_dentry->dev = next_dev++;
	m = kzalloc(sizeof(*m));
	m->root = root_dentry;
	vfs_mount_label(m, "tmpfs", "tmpfs");
	root_dentry->mounted_on = m;
	mounts = m;
	return root_dentry;
}

struct mount *
vfs_mounts(void)
{
	return mounts;
}

void
vfs_mount_label(struct mount *m, const char *type, const char *source)
{
	strlcpy(m->type, type, sizeof(m->type));
	strlcpy(m->source, source, sizeof(m->source));
}

/*
 * Mount a tree whose root directory is rootip over the directory mp
 * (vfs_lock held).  Returns the new tree's root dentry, or NULL when
 * something is mounted there already (EBUSY for the caller).
 */
struct dentry *
vfs_mount_inode(struct dentry *mp, struct inode *rootip)
{
	struct dentry *root;
	struct mount *m;

	if (mp->mounted != NULL)
		return NULL;
	root = dentry_alloc(rootip);
	root->linked = true;
	root->dev = next_dev++;
	m = kzalloc(sizeof(*m));
	m->root = root;
	vfs_mount_label(m, "tmpfs", "none");
	m->mountpoint = vfs_dget(mp);
	m->next = mounts;
	mounts = m;
	root->mounted_on = m;
	/* The lock-free walk crosses here once m is whole. */
	__atomic_store_n(&mp->mounted, m, __ATOMIC_RELEASE);
	return root;
}

/* Is any dentry of the tree under d held, or mounted over?  [v] */
static bool
tree_busy(struct dentry *d, bool top)
{
	struct list *it;

	if (dentry_refs(d) > 0 || (!top && d->mounted != NULL))
		return true;
	list_foreach(it, &d->children)
		if (tree_busy(list_entry(it, struct dentry, sibling), false))
			return true;
	return false;
}

static void
tree_free(struct dentry *d)
{
	struct list *it, *tmp;

	list_foreach_safe(it, tmp, &d->children)
		tree_free(list_entry(it, struct dentry, sibling));
	if (d->parent != NULL)
		dcache_remove(d);
	else
		dentry_free(d);
}

static void
mount_memfree(struct epoch_entry *e)
{
	kfree(container_of(e, struct mount, free));
}

int
vfs_umount(struct dentry *root)
{
	struct mount *m = root->mounted_on, **pp;

	if (root->parent != NULL || m == NULL || m->mountpoint == NULL)
		return -EINVAL;
	if (tree_busy(root, true))
		return -EBUSY;
	/*
	 * Files of the tree held outside it (open and unlinked).  A name
	 * only the cache holds can keep a nameless inode alive too: a
	 * damaged directory that names one inode twice leaves it cached
	 * under the second name after the first is unlinked.  A disk file
	 * system's names can be read again, so the cached ones go first
	 * (nothing holds them: tree_busy said so); what is busy after that
	 * is held from outside.
	 */
	if (root->inode->ops != NULL && root->inode->ops->busy != NULL) {
		struct list *it, *tmp;

		list_foreach_safe(it, tmp, &root->children)
			tree_free(list_entry(it, struct dentry, sibling));
		if (root->inode->ops->busy(root->inode))
			return -EBUSY;
	}
	for (pp = &mounts; *pp != m; pp = &(*pp)->next)
		continue;
	*pp = m->next;
	__atomic_store_n(&m->mountpoint->mounted, NULL, __ATOMIC_RELEASE);
	vfs_dput_locked(m->mountpoint);
	tree_free(root);
	epoch_retire(&m->free, mount_memfree);
	return 0;
}

/* The credentials file access uses (Linux's fsuid/fsgid follow euid). */
static bool
in_group(const struct cred *c, uint32_t gid)
{
	int i;

	if (c->egid == gid)
		return true;
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int
vfs_access(struct inode *ip, int mask, bool real)
{
	struct proc *p = proc_current();
	uint32_t mode = ip->mode, bits, uid, gid;
	bool member;

	if (p == NULL)
		return 0;
	uid = real ? p->cred.uid : p->cred.euid;
	gid = real ? p->cred.gid : p->cred.egid;
	member = gid == ip->gid || in_group(&p->cred, ip->gid);
	if (uid == 0) {
		/* Root may exec only what someone may exec, or search a dir. */
		if ((mask & MAY_EXEC) && !S_ISDIR(mode) && !(mode & 0111))
			return -EACCES;
		return 0;
	}
	if (uid == ip->uid)
		bits = mode >> 6;
	else if (member)
		bits = mode >> 3;
	else
		bits = mode;
	return ((unsigned)mask & ~bits & 7) != 0 ? -EACCES : 0;
}

int
vfs_permission(struct inode *ip, int mask)
{
	return vfs_access(ip, mask, false);
}

void
vfs_proc_init(struct proc *p, struct proc *parent)
{
	if (parent == NULL) {
		p->cwd = vfs_dget(vfs_root());
		p->root = vfs_dget(vfs_root());
		p->umask = 022;
		return;
	}
	vfs_lock();
	p->cwd = vfs_dget(parent->cwd);
	p->root = vfs_dget(parent->root);
	p->exe = parent->exe != NULL ? vfs_dget(parent->exe) : NULL;
	p->umask = parent->umask;
	vfs_unlock();
	/* The child runs the same image: its argv is where it was. */
	spin_lock(&proc_lock);
	p->arg_start = parent->arg_start;
	p->arg_end = parent->arg_end;
	spin_unlock(&proc_lock);
}

void
vfs_proc_release(struct proc *p)
{
	vfs_lock();
	if (p->cwd != NULL)
		vfs_dput_locked(p->cwd);
	if (p->root != NULL)
		vfs_dput_locked(p->root);
	if (p->exe != NULL)
		vfs_dput_locked(p->exe);
	p->cwd = p->root = p->exe = NULL;
	vfs_unlock();
}

/*
 * Open files over inodes.  Data moves through a bounce buffer a page at
 * a time, so vfs_lock is never held across a user copy that could
 * touch a file.
 */
#define VFS_CHUNK	4096

static ssize_t
vfile_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct dentry *d = f->priv;
	struct inode *ip = d->inode;
	char *buf;
	ssize_t n;
	int err = 0;

	if (S_ISDIR(ip->mode))
		return -EISDIR;
	buf = kmalloc(VFS_CHUNK);
	while (uio->resid > 0) {
		size_t want = uio->resid < VFS_CHUNK ? uio->resid : VFS_CHUNK;

		if (ip->ops->own_data_lock) {
			n = ip->ops->read(ip, buf, want, *off);
		} else {
			vfs_lock();
			n = ip->ops->read(ip, buf, want, *off);
			if (!(f->flags & O_NOATIME))
				ip->atime = vfs_now();
			vfs_unlock();
		}
		if (n <= 0)
			break;
		if ((err = uio_copyout(uio, buf, (size_t)n)) != 0)
			break;
		*off += (uint64_t)n;
		if ((size_t)n < want)
			break;
	}
	kfree(buf);
	return file_io_result(uio, err);
}

static ssize_t
vfile_write(struct file *f, struct uio *uio, uint64_t *off)
{
	struct dentry *d = f->priv;
	struct inode *ip = d->inode;
	char *buf = kmalloc(VFS_CHUNK);
	ssize_t n;
	int err = 0;

	while (uio->resid > 0) {
		size_t want = uio->resid < VFS_CHUNK ? uio->resid : VFS_CHUNK;
		size_t before = uio->done;

		if ((err = uio_copyin(buf, want, uio)) != 0) {
			/* Write the prefix that did copy, as Linux does. */
			want = uio->done - before;
			if (want == 0)
				break;
		}
		/* An append reads the size and writes under vfs_lock. */
		if (ip->ops->own_data_lock && !(f->flags & O_APPEND))
			n = ip->ops->write(ip, buf, want, *off);
		else {
			vfs_lock();
			if (f->flags & O_APPEND)
				*off = ip->size;
			n = ip->ops->write(ip, buf, want, *off);
			/* A disk file system stamps them in its own handle. */
			if (n > 0 && ip->ops->setattr == NULL)
				ip->mtime = ip->ctime = vfs_now();
			vfs_unlock();
		}
		if (n < 0) {
			err = (int)n;
			break;
		}
		*off += (uint64_t)n;
		if (err != 0)
			break;
	}
	kfree(buf);
	return file_io_result(uio, err);
}

/* Move f to base + off: the new offset, or -EINVAL (negative, overflow). */
static int64_t
seek_to(struct file *f, int64_t base, int64_t off)
{
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->offset = (uint64_t)(base + off);
	return base + off;
}

static int64_t
vfile_lseek(struct file *f, int64_t off, int whence)
{
	struct dentry *d = f->priv;
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->offset;
		break;
	default:
		vfs_lock();
		base = (int64_t)d->inode->size;
		vfs_unlock();
		break;
	}
	return seek_to(f, base, off);
}

static unsigned
vfile_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLOUT;
}

static void
vfile_close(struct file *f)
{
	vfs_dput(f->priv);
}

static const struct file_ops vfile_ops = {
	.read = vfile_read,
	.write = vfile_write,
	.lseek = vfile_lseek,
	.poll = vfile_poll,
	.close = vfile_close,
};

/*
 * Generated files (inode_ops.generate): the contents are made whole into
 * a page block at the first read and again at each read from offset 0,
 * and reads copy out of that snapshot.
 */
struct genfile {
	struct dentry *d;	/* [i] */
	struct mutex lock;	/* pread does not take the pos_lock */
	char *buf;		/* [lock] NULL until generated */
	paddr_t pa;		/* [lock] */
	unsigned order;		/* [lock] */
	size_t len;		/* [lock] */
};

void
seq_write(struct seqbuf *sb, const void *data, size_t n)
{
	if (n > sb->size - sb->len) {
		n = sb->size - sb->len;
		sb->overflow = true;
	}
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
}

void
seq_printf(struct seqbuf *sb, const char *fmt, ...)
{
	size_t room = sb->size - sb->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		/* Cut short at the end of the buffer, never a NUL in it. */
		sb->len = sb->size;
		sb->overflow = true;
	} else
		sb->len += (size_t)n;
}

static void
genfile_drop(struct genfile *g)
{
	if (g->buf != NULL)
		page_free(g->pa, g->order);
	g->buf = NULL;
	g->len = 0;
}

/* Make the snapshot, growing the buffer while it overflows.  No locks. */
static int
genfile_make(struct genfile *g)
{
	struct seqbuf sb;
	unsigned order = 0;
	int err;

	genfile_drop(g);
	for (;;) {
		if ((g->pa = page_alloc(order, 0)) == 0)
			return -ENOMEM;
		g->buf = phys_to_virt(g->pa);
		g->order = order;
		sb.buf = g->buf;
		sb.size = (size_t)PAGE_SIZE << order;
		sb.len = 0;
		sb.overflow = false;
		err = g->d->inode->ops->generate(g->d, &sb);
		if (err != 0 || !sb.overflow || sb.size >= SEQ_MAX)
			break;
		genfile_drop(g);
		order++;
	}
	if (err != 0) {
		genfile_drop(g);
		return err;
	}
	g->len = sb.len;
	return 0;
}

static ssize_t
genfile_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct genfile *g = f->priv;
	size_t n, before = uio->done;
	int err = 0;

	mutex_lock(&g->lock);
	if (*off == 0 || g->buf == NULL)
		err = genfile_make(g);
	if (err == 0 && *off < g->len) {
		n = MIN(uio->resid, g->len - (size_t)*off);
		err = uio_copyout(uio, g->buf + *off, n);
		*off += uio->done - before;
	}
	mutex_unlock(&g->lock);
	return file_io_result(uio, err);
}

static ssize_t
genfile_write(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)f;
	(void)uio;
	(void)off;
	return -EIO;
}

/* seq_file's rule: a position from the start or the current one only. */
static int64_t
genfile_lseek(struct file *f, int64_t off, int whence)
{
	int64_t base;

	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = (int64_t)f->offset;
	else
		return -EINVAL;
	return seek_to(f, base, off);
}

static void
genfile_close(struct file *f)
{
	struct genfile *g = f->priv;

	genfile_drop(g);
	vfs_dput(g->d);
	kfree(g);
}

static const struct file_ops genfile_ops = {
	.read = genfile_read,
	.write = genfile_write,
	.lseek = genfile_lseek,
	.poll = vfile_poll,
	.close = genfile_close,
};

struct file *
vfs_open_dentry(struct dentry *d, unsigned flags)
{
	struct genfile *g;

	if (d->inode->ops != NULL && d->inode->ops->generate != NULL &&
	    !S_ISDIR(d->inode->mode)) {
		g = kzalloc(sizeof(*g));
		mutex_init(&g->lock, "genfile");
		g->d = vfs_dget(d);
		return file_alloc(&genfile_ops, flags, g);
	}
	return file_alloc(&vfile_ops, flags, vfs_dget(d));
}

struct dentry *
vfs_file_dentry(struct file *f)
{
	if (f->ops == &genfile_ops)
		return ((struct genfile *)f->priv)->d;
	return f->ops == &vfile_ops ? f->priv : NULL;
}
