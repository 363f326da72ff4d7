/*
 * biscfs's private interfaces, shared by its files:
 *
 *   biscfs_super.c   mkfs, mount, umount, statfs, sync (the fstype)
 *   biscfs_tx.c      transactions over the journal, deferred frees
 *   biscfs_alloc.c   the block and inode bitmaps
 *   biscfs_inode.c   the inode cache, reading and writing inodes
 *   biscfs_bmap.c    extent trees: logical to physical blocks
 *   biscfs_dir.c     hashed directories
 *   biscfs_file.c    file data: read, write, truncate
 *   biscfs_namei.c   the VFS's namespace methods (create, remove...)
 *   biscfs_orphan.c  the orphan list
 *
 * Locking: namespace methods run under vfs_lock, which serializes
 * every change of directories.  A regular file's read and write run
 * without it (inode_ops.own_data_lock) under the file's binode lock,
 * which truncate and O_APPEND writes take after vfs_lock; an inode is
 * packed into its table block under that block's lock, so the last
 * writer always writes the latest attributes.  fs->lock guards the
 * allocator (bitmaps, pending frees, free counts) and the in-memory
 * superblock, since journal commits release pending frees from the
 * journal's thread.  Order: vfs_lock, binode lock, fs->lock, buffers.
 */
#ifndef FS_BISCFS_INTERNAL_H
#define FS_BISCFS_INTERNAL_H

#include "blk/bcache.h"
#include "fs/biscfs.h"
#include "fs/journal.h"
#include "fs/vfs.h"
#include "lib/list.h"
#include "proc/mutex.h"

#define BISCFS_ICACHE	256	/* inode cache buckets, power of two */
#define BISCFS_MAGIC_STATFS	0x42534346	/* statfs f_type */

/* One mounted biscfs. */
struct biscfs {
	struct blkdev *dev;		/* [i] */
	struct journal *jnl;		/* [i] NULL when read-only */
	bool readonly;			/* [i] */
	struct mutex lock;		/* the allocator and sb below */
	struct biscfs_super sb;		/* [lock] block 0 as last written */
	uint8_t *pending;		/* [lock] freed, not yet committed */
	uint64_t pending_pa;		/* [i] its pages */
	unsigned pending_order;		/* [i] */
	uint64_t free_blocks;		/* [lock] allocatable now */
	uint64_t npending;		/* [lock] freed, not yet allocatable */
	uint64_t free_inodes;		/* [lock] */
	uint64_t bhint;			/* [lock] where the next search starts */
	uint32_t ihint;			/* [lock] */
	struct binode *icache[BISCFS_ICACHE];	/* [v] inodes in memory */
	struct list orphans;		/* [v] in-memory orphans, disk order */
	struct dentry *root;		/* [v] the mounted root */
	struct biscfs *next;		/* [v] the mounted list */
	int live;			/* [v] inodes in memory */
	bool unmounted;			/* [v] freed at the last inode */
};

/* biscfs's part of an in-memory inode (ip->priv). */
struct binode {
	struct biscfs *fs;		/* [i] */
	struct inode *vi;		/* [i] the VFS inode */
	struct binode *hnext;		/* [v] icache chain */
	uint32_t flags;			/* [v] BISCFS_IF_* */
	uint32_t generation;		/* [v] */
	uint32_t orphan_next;		/* [v] on disk: the next orphan */
	int64_t crtime;			/* [v] ns */
	uint64_t nblocks;		/* [v] blocks owned */
	uint8_t data[BISCFS_INODE_DATA];	/* [v] extent root or symlink */
	struct list orphan;		/* [v] on fs->orphans */
	bool is_orphan;			/* [v] */
	/*
	 * A regular file's data, size and extent tree: read and write take
	 * it without vfs_lock, truncate after vfs_lock.
	 */
	struct mutex lock;
	uint32_t ra_next;		/* [lock] block after the last read */
};

static inline struct binode *
BI(struct inode *ip)
{
	return ip->priv;
}

static inline uint32_t
INO(struct inode *ip)
{
	return (uint32_t)ip->ino;
}

/*
 * A transaction handle with the blocks it freed: those become
 * allocatable once the journal has committed it (biscfs_tx.c).
 */
struct btx {
	struct biscfs *fs;
	struct jhandle *h;
	struct bfreed *freed;
};

void tx_begin(struct btx *tx, struct biscfs *fs, unsigned credits);
int tx_end(struct btx *tx);
/* b (locked) changed in tx: its checksum set, into the journal. */
void tx_dirty(struct btx *tx, struct buf *b);
/* Remember [pblk, pblk + len) as freed in tx. */
void tx_freed(struct btx *tx, uint64_t pblk, uint64_t len);

/* Credits: blocks one step may dirty. */
#define CR_INODE	1u	/* an inode table block */
#define CR_BMAP		24u	/* one block mapped: bitmap, tree splits */
#define CR_DIR_ADD	(4u + 2u * CR_BMAP)	/* a name, maybe a new block */
#define CR_DIR_DEL	3u
#define CR_ORPHAN	3u	/* superblock and a neighbour inode */
#define CR_NEW_INODE	(2u + CR_INODE)	/* bitmap, inode */

/* Allocation (biscfs_alloc.c). */
int alloc_init(struct biscfs *fs);
void alloc_fini(struct biscfs *fs);
int balloc(struct btx *tx, uint64_t goal, uint64_t *out);
void bfree(struct btx *tx, uint64_t pblk, uint64_t len, bool meta);
void alloc_release(struct biscfs *fs, uint64_t pblk, uint64_t len);
int ialloc(struct btx *tx, uint32_t *ino);
void ifree(struct btx *tx, uint32_t ino);
/* Write the superblock (fs->lock held by the caller or not needed). */
void super_dirty(struct btx *tx);
void super_fill_crc(struct biscfs_super *sb);

/* A checksum/format failure: printk and -EUCLEAN. */
int biscfs_corrupt(struct biscfs *fs, uint32_t ino, uint64_t blk,
    const char *what);
/* Read metadata block blkno, or -EIO with a printk. */
int biscfs_bread(struct biscfs *fs, uint64_t blkno, struct buf **out);

/* Inodes (biscfs_inode.c). */
int biscfs_iget(struct biscfs *fs, uint32_t ino, struct inode **out);
int biscfs_iupdate(struct btx *tx, struct inode *ip);
int biscfs_inew(struct btx *tx, struct biscfs *fs, const struct vattr *va,
    struct inode **out);
void biscfs_ifree_all(struct biscfs *fs);
int biscfs_iclear(struct btx *tx, struct inode *ip);
uint8_t biscfs_ftype(uint32_t mode);
void biscfs_set_ops(struct inode *ip);
void biscfs_stamp(int64_t ns, int64_t *sec, uint32_t *nsec);

/* Extent trees (biscfs_bmap.c). */
void bmap_init_root(struct binode *bi);
int bmap_lookup(struct inode *ip, uint32_t lblk, uint64_t *pblk);
/* The same, with *run the mapped blocks from lblk on in its extent. */
int bmap_lookup_run(struct inode *ip, uint32_t lblk, uint64_t *pblk,
    uint32_t *run);
int bmap_alloc(struct btx *tx, struct inode *ip, uint32_t lblk,
    uint64_t *pblk, bool *fresh);
/* Free every block from lblk on, in transactions of its own. */
int bmap_truncate(struct inode *ip, uint64_t lblk);

/* Directories (biscfs_dir.c). */
int dir_init(struct btx *tx, struct inode *dir, uint32_t parent);
int dir_find(struct inode *dir, const char *name, size_t len,
    uint32_t *ino);
int dir_add(struct btx *tx, struct inode *dir, const char *name,
    size_t len, uint32_t ino, uint8_t type);
int dir_del(struct btx *tx, struct inode *dir, const char *name,
    size_t len);
int dir_set(struct btx *tx, struct inode *dir, const char *name,
    size_t len, uint32_t ino, uint8_t type);
int dir_set_parent(struct btx *tx, struct inode *dir, uint32_t parent);
int dir_count(struct inode *dir, uint64_t *n);
int dir_readdir(struct inode *dir, struct dir_ctx *ctx);

/* File data (biscfs_file.c). */
ssize_t biscfs_read(struct inode *ip, void *kbuf, size_t n, uint64_t off);
ssize_t biscfs_write(struct inode *ip, const void *kbuf, size_t n,
    uint64_t off);
int biscfs_truncate(struct inode *ip, uint64_t size);
int biscfs_fsync(struct inode *ip, bool datasync);
int biscfs_symlink_write(struct btx *tx, struct inode *ip,
    const char *target);
int biscfs_symlink_read(struct inode *ip, char **out);

/* Namespace methods (biscfs_namei.c). */
int biscfs_lookup(struct dentry *dir, const char *name, size_t len,
    struct inode **out);
int biscfs_readdir(struct dentry *dir, struct dir_ctx *ctx);
int biscfs_create(struct dentry *dir, const char *name, size_t len,
    const struct vattr *va, struct inode **out);
int biscfs_remove(struct dentry *dir, struct dentry *d, bool rmdir);
int biscfs_link(struct dentry *dir, const char *name, size_t len,
    struct inode *ip);
int biscfs_rename(struct dentry *odir, struct dentry *old,
    struct dentry *ndir, const char *name, size_t len, struct dentry *new,
    unsigned flags);
int biscfs_setattr(struct inode *ip);
int biscfs_statfs(struct inode *ip, struct kstatfs *st);
bool biscfs_busy(struct inode *ip);
void biscfs_release(struct inode *ip);

/* Orphans (biscfs_orphan.c). */
int orphan_add(struct btx *tx, struct inode *ip);
int orphan_del(struct btx *tx, struct inode *ip);
int orphan_cleanup(struct biscfs *fs);
void biscfs_evict(struct inode *ip);

/* The superblock's end of life (biscfs_super.c). */
void biscfs_put_fs(struct biscfs *fs);

#endif
