/*
 * biscfs's namespace methods for the VFS (fs/vfs.h): lookup, readdir,
 * create (every file type), remove, link, rename, setattr, statfs.
 *
 * The VFS has done its checks (permissions, existence, types, mount
 * points, moving a directory into itself) under vfs_lock before it
 * calls these, so each is one transaction that changes the directory
 * blocks, the inodes involved and their link counts and times; the VFS
 * then changes its dentry cache to match.  An inode that loses its last
 * name joins the orphan list in that same transaction and is freed when
 * the VFS lets it go (biscfs_release), at once when nothing holds it.
 *
 * The dentry cache is never stale for biscfs (every change comes
 * through here), so it has no revalidate method: nothing to prune.
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "lib/string.h"

#define LINK_MAX	65000u

static struct biscfs *
fs_of(struct inode *ip)
{
	return BI(ip)->fs;
}

int
biscfs_lookup(struct dentry *dir, const char *name, size_t len,
    struct inode **out)
{
	struct inode *dip = dir->inode;
	uint32_t ino;
	int err;

	if (len > BISCFS_NAME_MAX)
		return -ENAMETOOLONG;
	if ((err = dir_find(dip, name, len, &ino)) != 0)
		return err;
	return biscfs_iget(fs_of(dip), ino, out);
}

int
biscfs_readdir(struct dentry *dir, struct dir_ctx *ctx)
{
	return dir_readdir(dir->inode, ctx);
}

/* dir's times after a change of its entries. */
static void
touch(struct inode *dir, int64_t now)
{
	dir->mtime = dir->ctime = now;
}

int
biscfs_create(struct dentry *dir, const char *name, size_t len,
    const struct vattr *va, struct inode **out)
{
	struct inode *dip = dir->inode, *ip = NULL;
	struct biscfs *fs = fs_of(dip);
	unsigned credits = CR_NEW_INODE + CR_DIR_ADD + 2 * CR_INODE +
	    CR_ORPHAN;
	struct btx tx;
	int err, err2;

	if (fs->readonly)
		return -EROFS;
	if (len > BISCFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (S_ISDIR(va->mode)) {
		if (dip->nlink >= LINK_MAX)
			return -EMLINK;
		credits += 2 * CR_BMAP + 2;
	}
	if (S_ISLNK(va->mode)) {
		if (strlen(va->target) >= BISCFS_BLOCK_SIZE)
			return -ENAMETOOLONG;
		credits += CR_BMAP + 1;
	}
	tx_begin(&tx, fs, credits);
	if ((err = biscfs_inew(&tx, fs, va, &ip)) != 0)
		goto out;
	if (S_ISDIR(va->mode))
		err = dir_init(&tx, ip, INO(dip));
	else if (S_ISLNK(va->mode))
		err = biscfs_symlink_write(&tx, ip, va->target);
	if (err == 0)
		err = dir_add(&tx, dip, name, len, INO(ip),
		    biscfs_ftype(va->mode));
	if (err != 0) {
		/* Nameless: freed (with any blocks) when let go below. */
		ip->nlink = 0;
		orphan_add(&tx, ip);
		goto out;
	}
	if (S_ISDIR(va->mode))
		dip->nlink++;
	biscfs_iupdate(&tx, ip);
	touch(dip, ip->ctime);
	err = biscfs_iupdate(&tx, dip);
out:
	err2 = tx_end(&tx);
	if (err == 0)
		err = err2;
	if (err != 0 && ip != NULL && ip->nlink == 0)
		inode_put(ip);
	else if (err == 0)
		*out = ip;
	return err;
}

int
biscfs_remove(struct dentry *dir, struct dentry *d, bool rmdir)
{
	struct inode *dip = dir->inode, *ip = d->inode;
	struct biscfs *fs = fs_of(dip);
	int64_t now = vfs_now();
	struct btx tx;
	uint64_t n;
	int err, err2;

	if (fs->readonly)
		return -EROFS;
	if (rmdir) {
		if ((err = dir_count(ip, &n)) != 0)
			return err;
		if (n != 0)
			return -ENOTEMPTY;
	}
	tx_begin(&tx, fs, CR_DIR_DEL + 2 * CR_INODE + CR_ORPHAN);
	if ((err = dir_del(&tx, dip, d->name, d->namelen)) != 0)
		goto out;
	if (rmdir) {
		ip->nlink = 0;
		dip->nlink--;
	} else
		ip->nlink--;
	ip->ctime = now;
	touch(dip, now);
	err = ip->nlink == 0 ? orphan_add(&tx, ip) : biscfs_iupdate(&tx, ip);
	err2 = biscfs_iupdate(&tx, dip);
	if (err == 0)
		err = err2;
out:
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

int
biscfs_link(struct dentry *dir, const char *name, size_t len,
    struct inode *ip)
{
	struct inode *dip = dir->inode;
	struct biscfs *fs = fs_of(dip);
	int64_t now = vfs_now();
	struct btx tx;
	int err, err2;

	if (fs->readonly)
		return -EROFS;
	if (len > BISCFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (ip->nlink >= LINK_MAX)
		return -EMLINK;
	tx_begin(&tx, fs, CR_DIR_ADD + 2 * CR_INODE);
	err = dir_add(&tx, dip, name, len, INO(ip), biscfs_ftype(ip->mode));
	if (err == 0) {
		ip->nlink++;
		ip->ctime = now;
		touch(dip, now);
		if ((err = biscfs_iupdate(&tx, ip)) == 0)
			err = biscfs_iupdate(&tx, dip);
	}
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

/* d (a directory) moves from parent `from` to `to`: its ".." follows. */
static int
move_dotdot(struct btx *tx, struct inode *d, struct inode *from,
    struct inode *to)
{
	if (!S_ISDIR(d->mode) || from == to)
		return 0;
	from->nlink--;
	to->nlink++;
	return dir_set_parent(tx, d, INO(to));
}

/* Swap two names (RENAME_EXCHANGE). */
static int
rename_exchange(struct btx *tx, struct dentry *odir, struct dentry *old,
    struct dentry *ndir, struct dentry *new)
{
	struct inode *oi = old->inode, *ni = new->inode;
	int err;

	if ((err = dir_set(tx, ndir->inode, new->name, new->namelen, INO(oi),
	    biscfs_ftype(oi->mode))) != 0)
		return err;
	if ((err = dir_set(tx, odir->inode, old->name, old->namelen, INO(ni),
	    biscfs_ftype(ni->mode))) != 0)
		return err;
	if ((err = move_dotdot(tx, oi, odir->inode, ndir->inode)) != 0)
		return err;
	if ((err = move_dotdot(tx, ni, ndir->inode, odir->inode)) != 0)
		return err;
	ni->ctime = vfs_now();
	return biscfs_iupdate(tx, ni);
}

/* old moves to ndir/name, over new if any. */
static int
rename_move(struct btx *tx, struct dentry *odir, struct dentry *old,
    struct dentry *ndir, const char *name, size_t len, struct dentry *new)
{
	struct inode *oi = old->inode, *ni;
	uint8_t type = biscfs_ftype(oi->mode);
	int err;

	if (new != NULL) {
		ni = new->inode;
		if ((err = dir_set(tx, ndir->inode, name, len, INO(oi),
		    type)) != 0)
			return err;
		if (S_ISDIR(ni->mode)) {
			ni->nlink = 0;
			ndir->inode->nlink--;
		} else
			ni->nlink--;
		ni->ctime = vfs_now();
		err = ni->nlink == 0 ? orphan_add(tx, ni) :
		    biscfs_iupdate(tx, ni);
		if (err != 0)
			return err;
	} else if ((err = dir_add(tx, ndir->inode, name, len, INO(oi),
	    type)) != 0)
		return err;
	if ((err = dir_del(tx, odir->inode, old->name, old->namelen)) != 0)
		return err;
	return move_dotdot(tx, oi, odir->inode, ndir->inode);
}

int
biscfs_rename(struct dentry *odir, struct dentry *old, struct dentry *ndir,
    const char *name, size_t len, struct dentry *new, unsigned flags)
{
	struct inode *oi = old->inode;
	struct biscfs *fs = fs_of(oi);
	int64_t now = vfs_now();
	struct btx tx;
	uint64_t n;
	int err, err2;

	if (fs->readonly)
		return -EROFS;
	if (len > BISCFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (new != NULL && !flags && S_ISDIR(new->inode->mode)) {
		if ((err = dir_count(new->inode, &n)) != 0)
			return err;
		if (n != 0)
			return -ENOTEMPTY;
	}
	if (S_ISDIR(oi->mode) && odir != ndir && (new == NULL ||
	    !S_ISDIR(new->inode->mode)) && ndir->inode->nlink >= LINK_MAX)
		return -EMLINK;
	tx_begin(&tx, fs, CR_DIR_ADD + CR_DIR_DEL + 2 + 4 * CR_INODE +
	    CR_ORPHAN);
	if (flags)
		err = rename_exchange(&tx, odir, old, ndir, new);
	else
		err = rename_move(&tx, odir, old, ndir, name, len, new);
	if (err == 0) {
		oi->ctime = now;
		touch(odir->inode, now);
		touch(ndir->inode, now);
		if ((err = biscfs_iupdate(&tx, oi)) == 0 &&
		    (err = biscfs_iupdate(&tx, odir->inode)) == 0 &&
		    ndir != odir)
			err = biscfs_iupdate(&tx, ndir->inode);
	}
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

int
biscfs_setattr(struct inode *ip)
{
	struct biscfs *fs = fs_of(ip);
	struct btx tx;
	int err, err2;

	if (fs->readonly)
		return -EROFS;
	tx_begin(&tx, fs, CR_INODE);
	err = biscfs_iupdate(&tx, ip);
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

int
biscfs_statfs(struct inode *ip, struct kstatfs *st)
{
	struct biscfs *fs = fs_of(ip);

	mutex_lock(&fs->lock);
	st->magic = BISCFS_MAGIC_STATFS;
	st->bsize = BISCFS_BLOCK_SIZE;
	st->blocks = fs->sb.nblocks;
	st->bfree = st->bavail = fs->free_blocks;
	st->files = fs->sb.ninodes;
	st->ffree = fs->free_inodes;
	st->readonly = fs->readonly;
	mutex_unlock(&fs->lock);
	return 0;
}

bool
biscfs_busy(struct inode *ip)
{
	return !list_empty(&fs_of(ip)->orphans);
}
