/*
 * The path walk: from a string to a dentry, as path_resolution(7)
 * describes.  See the essay atop vfs.c for the rules; everything here
 * runs under vfs_lock.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "proc/proc.h"

struct walk {
	struct dentry *root;	/* the process's root: ".." stops here */
	int links;		/* symlinks followed so far */
};

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
	return d->parent == NULL ? d->mounted_on : NULL;
}

/* One step from directory cur by name: the child, or NULL (ENOENT). */
static struct dentry *
step(struct walk *w, struct dentry *cur, const char *name, size_t len)
{
	struct dentry *d;
	struct mount *m;

	if (len == 1 && name[0] == '.')
		return cur;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		while (cur != w->root && (m = mount_of_root(cur)) !=
		    NULL && m->mountpoint != NULL)
			cur = m->mountpoint;
		if (cur == w->root || cur->parent == NULL)
			return cur->linked ? cur : NULL;
		return cur->parent;
	}
	d = dcache_lookup(cur, name, len);
	while (d != NULL && d->mounted != NULL)
		d = d->mounted->root;
	return d;
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
	struct dentry *cur = *curp, *d, *t;
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
		if ((d = step(w, cur, name, len)) == NULL)
			return -ENOENT;
		if (S_ISLNK(d->inode->mode) && (!final || follow || slash)) {
			if (++w->links > MAXSYMLINKS)
				return -ELOOP;
			if (d->inode->symlink[0] == '\0')
				return -ENOENT;
			t = cur;
			err = walk(w, &t, d->inode->symlink, true, NULL, NULL,
			    NULL);
			if (err != 0)
				return err;
			d = t;
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

	w->root = p->root;
	w->links = 0;
	if (*path == '\0' && !(flags & WALK_EMPTY))
		return -ENOENT;
	if (at == NULL) {
		*start = p->cwd;
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
	*start = d != NULL ? d : p->cwd;
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
