/*
 * The one VFS entry point sockets need: bind(2) of an AF_UNIX socket to
 * a path makes a socket inode there (S_IFSOCK), as mknod would.  The
 * socket keeps a reference to the inode so that connect(2), which finds
 * the inode by walking the path (namei), can match it to the bound
 * socket by address even after the name is unlinked and made again.
 */
#include "fs/vfs.h"
#include "kern/errno.h"
#include "proc/proc.h"

/*
 * Make a socket inode at path (relative to the cwd), mode's permission
 * bits less the umask.  Returns 0 with *out (one reference for the
 * caller: drop it with inode_put under vfs_lock), -EEXIST when the name
 * exists (bind reports EADDRINUSE), or the walk's errno.
 */
int
vfs_mksock(const char *path, uint32_t mode, struct inode **out)
{
	struct proc *p = proc_current();
	struct dentry *dir;
	struct inode *ip;
	const char *last;
	size_t len;
	bool trailing;
	uint32_t gid;
	int err;

	vfs_lock();
	err = namei_parent(NULL, path, &dir, &last, &len, &trailing);
	if (err != 0)
		goto out;
	/*
	 * vfs_lookup, not the bare cache: a name a file system makes on a
	 * miss (procfs's) exists too.
	 */
	if (trailing || len == 0 || vfs_lookup(dir, last, len) != NULL ||
	    (len == 1 && last[0] == '.') ||
	    (len == 2 && last[0] == '.' && last[1] == '.')) {
		err = -EEXIST;
		goto out;
	}
	/*
	 * A file system's own directory (procfs) takes no new names.  Its
	 * lookup of a missing name fails on Linux, before any permission
	 * check, so bind there is ENOENT even for root.
	 */
	if (!dir->linked || vfs_dir_fixed(dir)) {
		err = -ENOENT;
		goto out;
	}
	if ((err = vfs_permission(dir->inode, MAY_WRITE | MAY_EXEC)) != 0)
		goto out;
	gid = (dir->inode->mode & S_ISGID) ? dir->inode->gid : p->cred.egid;
	ip = tmpfs_inode(S_IFSOCK | (mode & ~p->umask & 0777),
	    p->cred.euid, gid);
	dcache_add(dir, last, len, ip);
	ip->refs++;
	dir->inode->mtime = dir->inode->ctime = vfs_now();
	*out = ip;
out:
	vfs_unlock();
	return err;
}
