/*
 * The path walk: from a string to a dentry, as path_resolution(7)
 * describes.  See the essay atop vfs.c for the rules.
 *
 * Two walks share one shape.  The locked walk (namei, namei_parent)
 * runs under vfs_lock and may ask file systems (lookup, revalidate,
 * readlink).  The lock-free walk (namei_fast), Linux's RCU-walk in
 * spirit, runs with no lock inside an epoch read section: it samples
 * the namespace sequence count, steps through cached names only (the
 * hash chains read with atomic loads), checks search permission from
 * the inode fields, follows "..", mount crossings and stored symlink
 * targets, lets the caller read what it wants from the result, and then
 * checks the count again.  Whatever it cannot do alone -- a name not
 * cached in a directory whose file system could still have it, a name
 * a file system must revalidate (procfs), a computed symlink, a writer
 * that came by -- makes it return NAMEI_FALLBACK, and the caller redoes
 * the work under vfs_lock.  Each step mirrors the locked one line for
 * line, so the answers (errno included) are the same; a miss in a
 * directory with no lookup method (tmpfs) is a true ENOENT, the cache
 * being that directory.
 */
#include "contract/physmem.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/epoch.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/page.h"
#include "proc/proc.h"

struct walk {
	struct dentry *root;	/* the process's root: ".." stops here */
	int links;		/* symlinks followed so far */
	bool fast;		/* the lock-free walk */
	uint64_t seq;		/* ...and the sequence count it began at */
};

uint64_t namei_fast_hits;	/* [a] */
uint64_t namei_fast_fallbacks;	/* [a] */
bool namei_fast_off;		/* [a] */

/* A pointer another CPU may be rewriting under vfs_lock. */
#define LOAD(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)

int
vfs_getpath(char *buf, uaddr_t upath)
{
	ssize_t n = copyinstr(buf, upath, PATH_MAX);

	if (n == -EFAULT)
		return -EFAULT;
	if (n < 0)
		return -ENAMETOOLONG;
	return 0;
}

/* Is d the root of a mounted tree?  Then return its mount. */
static struct mount *
mount_of_root(struct dentry *d)
{
	return LOAD(d->parent) == NULL ? LOAD(d->mounted_on) : NULL;
}

/*
 * vfs_lookup() as the lock-free walk may do it: a cached name that needs
 * no revalidation, or ENOENT in a directory whose names are all cached;
 * anything else is NAMEI_FALLBACK.
 */
static struct dentry *
fast_lookup(struct walk *w, struct dentry *dir, const char *name,
    size_t len, int *err)
{
	const struct inode_ops *ops = dir->inode->ops;
	struct dentry *d;
	bool retry;

	if (ops != NULL && ops->revalidate != NULL) {
		*err = NAMEI_FALLBACK;
		return NULL;
	}
	d = dcache_lookup_rcu(dir, name, len, w->seq, &retry);
	if (retry || (d == NULL && ops != NULL && ops->lookup != NULL))
		*err = NAMEI_FALLBACK;
	return d;
}

/*
 * One step from directory cur by name: the child, or NULL with *err
 * (ENOENT, or the file system's lookup error: EUCLEAN, EIO).
 */
static struct dentry *
step(struct walk *w, struct dentry *cur, const char *name, size_t len,
    int *err)
{
	struct dentry *d;
	struct mount *m;

	*err = -ENOENT;
	if (len == 1 && name[0] == '.')
		return cur;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		while (cur != w->root && (m = mount_of_root(cur)) !=
		    NULL && m->mountpoint != NULL)
			cur = m->mountpoint;
		if (cur == w->root || (d = LOAD(cur->parent)) == NULL)
			return LOAD(cur->linked) ? cur : NULL;
		return d;
	}
	if (w->fast)
		d = fast_lookup(w, cur, name, len, err);
	else if ((d = vfs_lookup(cur, name, len)) == NULL)
		*err = vfs_lookup_errno();
	while (d != NULL && (m = LOAD(d->mounted)) != NULL)
		d = m->root;
	return d;
}

static int walk(struct walk *w, struct dentry **curp, const char *path,
    bool follow, const char **last, size_t *lastlen, bool *trailing);

/*
 * Follow symlink d met in directory cur: *out is where it leads.  A
 * computed target (procfs) is made in a page of its own, not the heap,
 * since up to 40 may nest.
 */
static int
follow_link(struct walk *w, struct dentry *cur, struct dentry *d,
    struct dentry **out)
{
	const char *target = d->inode->symlink;
	paddr_t pa = 0;
	ssize_t n;
	int err;

	if (++w->links > MAXSYMLINKS)
		return -ELOOP;
	if (d->inode->ops != NULL && d->inode->ops->readlink != NULL) {
		if (w->fast)
			return NAMEI_FALLBACK;	/* computed: ask under lock */
		if ((pa = page_alloc(0, 0)) == 0)
			return -ENOMEM;
		target = phys_to_virt(pa);
		n = vfs_readlink(d, phys_to_virt(pa));
		if (n < 0) {
			page_free(pa, 0);
			return (int)n;
		}
	}
	if (target[0] == '\0')
		err = -ENOENT;
	else {
		*out = cur;
		err = walk(w, out, target, true, NULL, NULL, NULL);
	}
	if (pa != 0)
		page_free(pa, 0);
	return err;
}

/*
 * Walk path from *curp.  With last != NULL stop before the final
 * component and return it there; otherwise resolve it too, following a
 * final symlink when follow says so (or a trailing slash demands it).
 */
static int
walk(struct walk *w, struct dentry **curp, const char *path, bool follow,
    const char **last, size_t *lastlen, bool *trailing)
{
	struct dentry *cur = *curp, *d;
	const char *name, *next;
	size_t len;
	bool final, slash;
	int err;

	if (*path == '/') {
		cur = w->root;
		while (*path == '/')
			path++;
	}
	if (*path == '\0') {
		/* "/" or a walk that began at its end: the start itself. */
		*curp = cur;
		if (last != NULL) {
			*last = ".";
			*lastlen = 1;
			*trailing = true;
		}
		return 0;
	}
	for (;;) {
		name = path;
		for (len = 0; name[len] != '\0' && name[len] != '/'; len++)
			continue;
		next = name + len;
		slash = *next == '/';
		while (*next == '/')
			next++;
		final = *next == '\0';
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		if (!S_ISDIR(cur->inode->mode))
			return -ENOTDIR;
		if ((err = vfs_permission(cur->inode, MAY_EXEC)) != 0)
			return err;
		if (final && last != NULL) {
			*curp = cur;
			*last = name;
			*lastlen = len;
			*trailing = slash;
			return 0;
		}
		if ((d = step(w, cur, name, len, &err)) == NULL)
			return err;
		if (S_ISLNK(d->inode->mode) && (!final || follow || slash)) {
			if ((err = follow_link(w, cur, d, &d)) != 0)
				return err;
		}
		cur = d;
		if (final) {
			if (slash && !S_ISDIR(cur->inode->mode))
				return -ENOTDIR;
			*curp = cur;
			return 0;
		}
		path = next;
	}
}

/* Where a walk of path begins: at's directory or the cwd. */
static int
walk_start(struct walk *w, struct file *at, const char *path, int flags,
    struct dentry **start)
{
	struct proc *p = proc_current();
	struct dentry *d;

	w->root = LOAD(p->root);
	w->links = 0;
	w->fast = false;
	if (*path == '\0' && !(flags & WALK_EMPTY))
		return -ENOENT;
	if (at == NULL) {
		*start = LOAD(p->cwd);
		return 0;
	}
	d = vfs_file_dentry(at);
	if (*path == '\0') {
		/* AT_EMPTY_PATH: the file itself, whatever it is. */
		if (d == NULL)
			return -ENOTDIR;
		*start = d;
		return 0;
	}
	if (*path != '/' && (d == NULL || !S_ISDIR(d->inode->mode)))
		return -ENOTDIR;
	*start = d != NULL ? d : LOAD(p->cwd);
	return 0;
}

int
namei(struct file *at, const char *path, int flags, struct dentry **out)
{
	struct walk w;
	struct dentry *d;
	int err;

	if ((err = walk_start(&w, at, path, flags, &d)) != 0)
		return err;
	if (*path != '\0') {
		err = walk(&w, &d, path, (flags & WALK_FOLLOW) != 0, NULL,
		    NULL, NULL);
		if (err != 0)
			return err;
	}
	if ((flags & WALK_DIR) && !S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	*out = d;
	return 0;
}

int
namei_fast(struct file *at, const char *path, int flags, namei_fn fn,
    void *arg, struct dentry **ref)
{
	struct walk w;
	struct dentry *d;
	epoch_token_t t;
	bool held = false;
	int err;

	if (__atomic_load_n(&namei_fast_off, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(&namei_fast_fallbacks, 1, __ATOMIC_RELAXED);
		return NAMEI_FALLBACK;
	}
	t = epoch_enter();
	if ((err = walk_start(&w, at, path, flags, &d)) != 0)
		goto validate;
	w.fast = true;
	if ((w.seq = vfs_seq_begin()) & 1) {
		err = NAMEI_FALLBACK;	/* a writer is in: do not bother */
		goto out;
	}
	if (*path != '\0' && (err = walk(&w, &d, path,
	    (flags & WALK_FOLLOW) != 0, NULL, NULL, NULL)) != 0)
		goto validate;
	if ((flags & WALK_DIR) && !S_ISDIR(d->inode->mode)) {
		err = -ENOTDIR;
		goto validate;
	}
	if (fn != NULL && (err = fn(d, arg)) != 0)
		goto validate;
	if (ref != NULL) {
		if (!dentry_spec_get(d)) {
			err = NAMEI_FALLBACK;
			goto out;
		}
		held = true;
	}
validate:
	/* walk_start's answers need no validation: they read no tree. */
	if (err != NAMEI_FALLBACK && w.fast && !vfs_seq_valid(w.seq))
		err = NAMEI_FALLBACK;
	if (held) {
		if (err == 0) {
			dentry_spec_keep(d);
			*ref = d;
		} else
			dentry_spec_drop(d);
	}
out:
	epoch_leave(t);
	__atomic_add_fetch(err == NAMEI_FALLBACK ? &namei_fast_fallbacks :
	    &namei_fast_hits, 1, __ATOMIC_RELAXED);
	return err;
}

int
namei_parent(struct file *at, const char *path, struct dentry **dir,
    const char **last, size_t *lastlen, bool *trailing)
{
	struct walk w;
	struct dentry *d;
	int err;

	if ((err = walk_start(&w, at, path, 0, &d)) != 0)
		return err;
	if ((err = walk(&w, &d, path, false, last, lastlen, trailing)) != 0)
		return err;
	if (!S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	*dir = d;
	return 0;
}

ssize_t
vfs_dpath(struct dentry *d, struct dentry *root, char *buf, size_t size)
{
	size_t at = size - 1, n;

	if (size < 2)
		return -ENAMETOOLONG;
	if (!d->linked)
		return -ENOENT;
	buf[at] = '\0';
	/* Built backwards from the end of buf, then moved to its start. */
	while (d != root) {
		if (d->parent == NULL) {
			if (d->mounted_on == NULL ||
			    d->mounted_on->mountpoint == NULL)
				break;
			d = d->mounted_on->mountpoint;
			continue;
		}
		if (d->namelen + 1 > at)
			return -ENAMETOOLONG;
		at -= d->namelen;
		memcpy(buf + at, d->name, d->namelen);
		buf[--at] = '/';
		d = d->parent;
	}
	if (at == size - 1)
		buf[--at] = '/';
	n = size - 1 - at;
	memmove(buf, buf + at, n + 1);
	return (ssize_t)n;
}
