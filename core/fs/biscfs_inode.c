/*
 * biscfs inodes in memory: the inode cache, reading and writing inodes
 * in the inode table, making and releasing them.
 *
 * Each on-disk inode in use has at most one VFS inode (struct inode,
 * with biscfs's part in a struct binode at ip->priv), found through a
 * per-mount hash table, so hard links share attributes and data.  The
 * VFS inode holds the attributes (mode, owner, links, size, times in
 * ns); the binode what only biscfs reads (the extent root or inline
 * symlink, flags, the orphan link).  biscfs_iupdate() writes both into
 * the inode table inside a transaction; every change to an inode is
 * followed by one before its transaction ends.
 *
 * An inode leaves memory when the VFS drops its last reference
 * (biscfs_release): with links left it is simply forgotten; with none
 * it is an orphan, and its blocks and number are freed then
 * (biscfs_evict, biscfs_orphan.c).
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

#define NSEC	1000000000LL

static struct binode **
icache_slot(struct biscfs *fs, uint32_t ino)
{
	return &fs->icache[(ino * 2654435761u) & (BISCFS_ICACHE - 1)];
}

static struct inode *
icache_find(struct biscfs *fs, uint32_t ino)
{
	struct binode *bi;

	for (bi = *icache_slot(fs, ino); bi != NULL; bi = bi->hnext)
		if (INO(bi->vi) == ino)
			return bi->vi;
	return NULL;
}

static void
icache_add(struct biscfs *fs, struct binode *bi)
{
	struct binode **slot = icache_slot(fs, INO(bi->vi));

	bi->hnext = *slot;
	*slot = bi;
	fs->live++;
}

static void
icache_del(struct biscfs *fs, struct binode *bi)
{
	struct binode **pp = icache_slot(fs, INO(bi->vi));

	while (*pp != NULL && *pp != bi)
		pp = &(*pp)->hnext;
	if (*pp == bi)
		*pp = bi->hnext;
	fs->live--;
}

void
biscfs_stamp(int64_t ns, int64_t *sec, uint32_t *nsec)
{
	int64_t s = ns / NSEC, r = ns % NSEC;

	if (r < 0) {
		r += NSEC;
		s--;
	}
	*sec = s;
	*nsec = (uint32_t)r;
}

static int64_t
unstamp(int64_t sec, uint32_t nsec)
{
	/* A damaged inode's seconds may not fit in ns: clamp, not overflow. */
	if (sec >= INT64_MAX / NSEC)
		return INT64_MAX;
	if (sec <= INT64_MIN / NSEC)
		return INT64_MIN;
	return sec * NSEC + (int64_t)(nsec % NSEC);
}

uint8_t
biscfs_ftype(uint32_t mode)
{
	return (uint8_t)((mode & S_IFMT) >> 12);
}

/* The inode table block holding ino, and ino's byte offset in it. */
static uint64_t
itable_block(struct biscfs *fs, uint32_t ino, size_t *off)
{
	*off = (size_t)((ino - 1) % BISCFS_INODES_PER_BLOCK) *
	    BISCFS_INODE_SIZE;
	return fs->sb.itable_start + (ino - 1) / BISCFS_INODES_PER_BLOCK;
}

static const struct inode_ops biscfs_file_ops = {
	.read = biscfs_read,
	.write = biscfs_write,
	.truncate = biscfs_truncate,
	.release = biscfs_release,
	.setattr = biscfs_setattr,
	.statfs = biscfs_statfs,
	.fsync = biscfs_fsync,
	.own_data_lock = true,
};

static const struct inode_ops biscfs_dir_ops = {
	.release = biscfs_release,
	.lookup = biscfs_lookup,
	.readdir = biscfs_readdir,
	.create = biscfs_create,
	.remove = biscfs_remove,
	.link = biscfs_link,
	.rename = biscfs_rename,
	.setattr = biscfs_setattr,
	.statfs = biscfs_statfs,
	.busy = biscfs_busy,
	.fsync = biscfs_fsync,
};

/* Symlinks, FIFOs, sockets and device nodes: attributes only. */
static const struct inode_ops biscfs_other_ops = {
	.release = biscfs_release,
	.setattr = biscfs_setattr,
	.statfs = biscfs_statfs,
	.fsync = biscfs_fsync,
};

void
biscfs_set_ops(struct inode *ip)
{
	if (S_ISREG(ip->mode))
		ip->ops = &biscfs_file_ops;
	else if (S_ISDIR(ip->mode))
		ip->ops = &biscfs_dir_ops;
	else
		ip->ops = &biscfs_other_ops;
}

/* A VFS inode for disk inode d numbered ino (refs 1, cached). */
static struct inode *
inode_make(struct biscfs *fs, uint32_t ino, const struct biscfs_inode *d)
{
	struct inode *ip = inode_alloc(d->mode, d->uid, d->gid);
	struct binode *bi = kzalloc(sizeof(*bi));

	ip->ino = ino;
	ip->nlink = d->nlink;
	ip->size = d->size;
	ip->atime = unstamp(d->atime, d->atime_ns);
	ip->mtime = unstamp(d->mtime, d->mtime_ns);
	ip->ctime = unstamp(d->ctime, d->ctime_ns);
	ip->rdev = d->rdev;
	ip->priv = bi;
	ip->refs = 1;
	bi->fs = fs;
	bi->vi = ip;
	bi->flags = d->flags;
	bi->generation = d->generation;
	bi->orphan_next = d->orphan_next;
	bi->crtime = unstamp(d->crtime, d->crtime_ns);
	bi->nblocks = d->blocks;
	ip->blocks = bi->nblocks * (BISCFS_BLOCK_SIZE / 512);
	memcpy(bi->data, d->data, sizeof(bi->data));
	list_init(&bi->orphan);
	mutex_init(&bi->lock, "biscfs inode");
	biscfs_set_ops(ip);
	icache_add(fs, bi);
	return ip;
}

/* Drop a VFS inode that never reached the VFS (a failed iget). */
static void
inode_unmake(struct inode *ip)
{
	struct binode *bi = BI(ip);

	icache_del(bi->fs, bi);
	kfree(bi);
	kfree(ip->symlink);
	kfree(ip);
}

int
biscfs_iget(struct biscfs *fs, uint32_t ino, struct inode **out)
{
	struct biscfs_inode d;
	struct inode *ip;
	struct buf *b;
	uint64_t blk;
	size_t off;
	int err;

	if (ino == 0 || ino > fs->sb.ninodes)
		return biscfs_corrupt(fs, ino, 0, "inode number out of range");
	if ((ip = icache_find(fs, ino)) != NULL) {
		ip->refs++;
		*out = ip;
		return 0;
	}
	blk = itable_block(fs, ino, &off);
	if ((err = biscfs_bread(fs, blk, &b)) != 0)
		return err;
	memcpy(&d, b->data + off, sizeof(d));
	brelse(b);
	if (d.crc != biscfs_csum(ino, &d, sizeof(d),
	    offsetof(struct biscfs_inode, crc)))
		return biscfs_corrupt(fs, ino, blk, "inode checksum");
	if (d.mode == 0)
		return biscfs_corrupt(fs, ino, blk, "free inode in use");
	ip = inode_make(fs, ino, &d);
	if (S_ISLNK(ip->mode) && (err = biscfs_symlink_read(ip,
	    &ip->symlink)) != 0) {
		inode_unmake(ip);
		return err;
	}
	*out = ip;
	return 0;
}

/* ip as its on-disk form. */
static void
inode_pack(struct inode *ip, struct biscfs_inode *d)
{
	struct binode *bi = BI(ip);

	memset(d, 0, sizeof(*d));
	d->mode = ip->mode;
	d->uid = ip->uid;
	d->gid = ip->gid;
	d->nlink = ip->nlink;
	d->size = ip->size;
	d->blocks = bi->nblocks;
	biscfs_stamp(ip->atime, &d->atime, &d->atime_ns);
	biscfs_stamp(ip->mtime, &d->mtime, &d->mtime_ns);
	biscfs_stamp(ip->ctime, &d->ctime, &d->ctime_ns);
	biscfs_stamp(bi->crtime, &d->crtime, &d->crtime_ns);
	d->flags = bi->flags;
	d->generation = bi->generation;
	d->rdev = ip->rdev;
	d->orphan_next = bi->orphan_next;
	memcpy(d->data, bi->data, sizeof(d->data));
	d->crc = biscfs_csum(INO(ip), d, sizeof(*d),
	    offsetof(struct biscfs_inode, crc));
}

/* Write raw on-disk inode d as ino in tx. */
static int
inode_write(struct btx *tx, uint32_t ino, const struct biscfs_inode *d)
{
	struct buf *b;
	size_t off;
	int err;

	if ((err = biscfs_bread(tx->fs, itable_block(tx->fs, ino, &off),
	    &b)) != 0)
		return err;
	memcpy(b->data + off, d, sizeof(*d));
	tx_dirty(tx, b);
	brelse(b);
	return 0;
}

/*
 * Packed under the table block's lock: whoever writes last writes the
 * attributes as they are then (a chmod racing an unlocked write).
 */
int
biscfs_iupdate(struct btx *tx, struct inode *ip)
{
	struct biscfs_inode d;
	struct buf *b;
	size_t off;
	int err;

	err = biscfs_bread(tx->fs, itable_block(tx->fs, INO(ip), &off), &b);
	if (err != 0)
		return err;
	ip->blocks = BI(ip)->nblocks * (BISCFS_BLOCK_SIZE / 512);
	inode_pack(ip, &d);
	memcpy(b->data + off, &d, sizeof(d));
	tx_dirty(tx, b);
	brelse(b);
	return 0;
}

int
biscfs_inew(struct btx *tx, struct biscfs *fs, const struct vattr *va,
    struct inode **out)
{
	struct biscfs_inode d;
	struct inode *ip;
	struct buf *b;
	uint32_t ino, gen, tries;
	uint64_t blk;
	size_t off;
	int64_t now = vfs_now();
	int err;

	/*
	 * A number the bitmap calls free, and the number's last owner's
	 * generation, bumped.  A damaged bitmap may call a live inode free:
	 * handing its number out again would give two files one inode, so
	 * the inode itself has the last word.  Its bit stays set (ialloc
	 * set it: the inode is in use) and another number is taken.
	 */
	for (tries = 0;; tries++) {
		if ((err = ialloc(tx, &ino)) != 0)
			return err;
		gen = 0;
		blk = itable_block(fs, ino, &off);
		if (biscfs_bread(fs, blk, &b) != 0)
			break;
		memcpy(&d, b->data + off, sizeof(d));
		brelse(b);
		if (d.crc != biscfs_csum(ino, &d, sizeof(d),
		    offsetof(struct biscfs_inode, crc)))
			break;
		gen = d.generation + 1;
		if (d.nlink == 0)
			break;
		err = biscfs_corrupt(fs, ino, blk,
		    "the inode bitmap calls a live inode free");
		if (tries == 8)
			return err;
	}
	memset(&d, 0, sizeof(d));
	d.mode = va->mode;
	d.uid = va->uid;
	d.gid = va->gid;
	d.nlink = S_ISDIR(va->mode) ? 2 : 1;
	d.rdev = va->rdev;
	d.generation = gen;
	ip = inode_make(fs, ino, &d);
	ip->atime = ip->mtime = ip->ctime = now;
	BI(ip)->crtime = now;
	if (S_ISREG(va->mode) || S_ISDIR(va->mode) || S_ISLNK(va->mode))
		bmap_init_root(BI(ip));
	if ((err = biscfs_iupdate(tx, ip)) != 0) {
		inode_unmake(ip);
		ifree(tx, ino);
		return err;
	}
	*out = ip;
	return 0;
}

/*
 * The VFS let go of ip's last reference: forget it, and free it on disk
 * when no name is left (an orphan's end).
 */
void
biscfs_release(struct inode *ip)
{
	struct binode *bi = BI(ip);
	struct biscfs *fs = bi->fs;

	if (ip->nlink == 0 && !fs->readonly)
		biscfs_evict(ip);
	else if (bi->is_orphan)
		list_remove(&bi->orphan);	/* read-only: left on disk */
	icache_del(fs, bi);
	kfree(bi);
	ip->priv = NULL;
	if (fs->unmounted && fs->live == 0)
		biscfs_put_fs(fs);
}

/* Forget every cached inode (unmount: the VFS has dropped them all). */
void
biscfs_ifree_all(struct biscfs *fs)
{
	if (fs->live != 0)
		printk("biscfs: %s: %d inodes still in memory at unmount\n",
		    fs->dev->name, fs->live);
}

/* Write inode number ino as free (mode 0), keeping its generation. */
int
biscfs_iclear(struct btx *tx, struct inode *ip)
{
	struct biscfs_inode d;

	memset(&d, 0, sizeof(d));
	d.generation = BI(ip)->generation;
	d.crc = biscfs_csum(INO(ip), &d, sizeof(d),
	    offsetof(struct biscfs_inode, crc));
	return inode_write(tx, INO(ip), &d);
}
