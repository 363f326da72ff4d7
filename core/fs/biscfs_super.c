/*
 * biscfs as a whole: mkfs, mount, umount (mount(2)'s type "biscfs").
 *
 * Mount checks the superblock (magic, version, checksum, features, a
 * geometry that fits the device) before trusting anything else, reading
 * it straight from the device since the journal has not replayed yet;
 * then jnl_open() recovers the log, the superblock is read again
 * through the cache, the free counts are taken from the bitmaps, the
 * orphans a crash left are freed, and the superblock says "mounted".
 * Umount (after the VFS dropped every inode) writes the free counts and
 * the clean state, closes the journal (a last commit and checkpoint),
 * writes everything back and forgets the device's cached blocks.
 *
 * A read-only mount (MS_RDONLY, a read-only device, or an unknown
 * ro_compat feature) opens no journal: every change returns EROFS.  An
 * unclean file system on a writable device is still recovered first.
 */
#include "biscfs_internal.h"
#include "contract/physmem.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/random.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"

#define BITS_PER_BLOCK	(BISCFS_BLOCK_SIZE * 8u)
#define NSEC		1000000000LL

static struct biscfs *mounted;	/* [v] every mounted biscfs */

static uint64_t
div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* A zeroed cached block of d to fill and leave dirty. */
static struct buf *
zblock(struct blkdev *d, uint64_t blkno)
{
	struct buf *b = bget(d, blkno);

	memset(b->data, 0, BISCFS_BLOCK_SIZE);
	return b;
}

static void
put_dirty(struct buf *b)
{
	bdirty(b);
	brelse(b);
}

/* Zero the len blocks at start of d. */
static void
mkfs_zero(struct blkdev *d, uint64_t start, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		put_dirty(zblock(d, start + i));
}

/* Set bits [from, to) of the (written) bitmap at start of d. */
static void
mkfs_bits(struct blkdev *d, uint64_t start, uint64_t from, uint64_t to)
{
	struct buf *b = NULL;
	uint64_t bit;

	for (bit = from; bit < to; bit++) {
		if (b == NULL || b->blkno != start + bit / BITS_PER_BLOCK) {
			if (b != NULL)
				put_dirty(b);
			if (bread(d, start + bit / BITS_PER_BLOCK, &b) != 0)
				return;
		}
		b->data[(bit % BITS_PER_BLOCK) / 8] |=
		    (uint8_t)(1u << (bit % 8));
	}
	if (b != NULL)
		put_dirty(b);
}

/* The geometry mkfs lays out for d with o into sb. */
static int
mkfs_layout(struct blkdev *d, const struct biscfs_mkfs_opts *o,
    struct biscfs_super *sb)
{
	uint64_t n = d->nblocks, ninodes, jlen;

	ninodes = o->ninodes != 0 ? o->ninodes : MAX(64, n / 4);
	ninodes = ROUNDUP(ninodes, BISCFS_INODES_PER_BLOCK);
	if (ninodes > UINT32_MAX - BISCFS_INODES_PER_BLOCK)
		return -EINVAL;
	jlen = o->journal_blocks != 0 ? o->journal_blocks :
	    MIN(MAX(n / 32, 256), 8192);
	sb->nblocks = n;
	sb->ninodes = (uint32_t)ninodes;
	sb->journal_start = 1;
	sb->journal_len = jlen;
	sb->ibitmap_start = 1 + jlen;
	sb->ibitmap_len = div_up(ninodes, BITS_PER_BLOCK);
	sb->bbitmap_start = sb->ibitmap_start + sb->ibitmap_len;
	sb->bbitmap_len = div_up(n, BITS_PER_BLOCK);
	sb->itable_start = sb->bbitmap_start + sb->bbitmap_len;
	sb->itable_len = ninodes / BISCFS_INODES_PER_BLOCK;
	sb->data_start = sb->itable_start + sb->itable_len;
	/* Room for the root directory and some files. */
	if (sb->data_start + 16 > n || jlen < 32)
		return -EINVAL;
	return 0;
}

/* The root directory: inode 1, a header block and one bucket. */
static void
mkfs_root(struct blkdev *d, struct biscfs_super *sb, int64_t now)
{
	struct biscfs_inode ri;
	struct biscfs_extent_header *eh = (void *)ri.data;
	struct biscfs_extent *ex = (void *)(eh + 1);
	struct biscfs_dir_header *h;
	struct biscfs_bucket *k;
	struct buf *b;

	b = zblock(d, sb->data_start);
	h = (void *)b->data;
	h->magic = BISCFS_DIR_MAGIC;
	h->owner = h->parent = BISCFS_ROOT_INO;
	h->nbuckets = 1;
	h->table[0] = 1;
	h->crc = biscfs_csum(BISCFS_ROOT_INO, b->data, BISCFS_BLOCK_SIZE, 4);
	put_dirty(b);
	b = zblock(d, sb->data_start + 1);
	k = (void *)b->data;
	k->magic = BISCFS_BUCKET_MAGIC;
	k->owner = BISCFS_ROOT_INO;
	k->crc = biscfs_csum(BISCFS_ROOT_INO, b->data, BISCFS_BLOCK_SIZE, 4);
	put_dirty(b);

	memset(&ri, 0, sizeof(ri));
	ri.mode = S_IFDIR | 0755;
	ri.nlink = 2;
	ri.size = 2 * BISCFS_BLOCK_SIZE;
	ri.blocks = 2;
	biscfs_stamp(now, &ri.atime, &ri.atime_ns);
	ri.mtime = ri.ctime = ri.crtime = ri.atime;
	ri.mtime_ns = ri.ctime_ns = ri.crtime_ns = ri.atime_ns;
	eh->magic = BISCFS_EXTENT_MAGIC;
	eh->max = BISCFS_EXTENTS_IN_INODE;
	eh->count = 1;
	ex->lblk = 0;
	ex->len = 2;
	ex->pblk = sb->data_start;
	ri.crc = biscfs_csum(BISCFS_ROOT_INO, &ri, sizeof(ri),
	    offsetof(struct biscfs_inode, crc));
	if (bread(d, sb->itable_start, &b) != 0)
		return;
	memcpy(b->data, &ri, sizeof(ri));
	put_dirty(b);
}

int
biscfs_mkfs(struct blkdev *d, const struct biscfs_mkfs_opts *o)
{
	static const struct biscfs_mkfs_opts defaults;
	struct biscfs_super *sb;
	struct buf *b;
	int64_t now = vfs_now();
	int err;

	if (o == NULL)
		o = &defaults;
	if (d->readonly)
		return -EROFS;
	if (o->label != NULL && strlen(o->label) >= sizeof(sb->label))
		return -EINVAL;
	sb = kzalloc(sizeof(*sb));
	if ((err = mkfs_layout(d, o, sb)) != 0)
		goto out;
	if ((err = jnl_format(d, sb->journal_start, sb->journal_len)) != 0)
		goto out;
	mkfs_zero(d, sb->ibitmap_start, sb->ibitmap_len);
	mkfs_bits(d, sb->ibitmap_start, BISCFS_ROOT_INO - 1, BISCFS_ROOT_INO);
	mkfs_bits(d, sb->ibitmap_start, sb->ninodes,
	    sb->ibitmap_len * BITS_PER_BLOCK);
	mkfs_zero(d, sb->bbitmap_start, sb->bbitmap_len);
	mkfs_bits(d, sb->bbitmap_start, 0, sb->data_start + 2);
	mkfs_bits(d, sb->bbitmap_start, sb->nblocks,
	    sb->bbitmap_len * BITS_PER_BLOCK);
	mkfs_zero(d, sb->itable_start, sb->itable_len);
	mkfs_root(d, sb, now);

	sb->magic = BISCFS_MAGIC;
	sb->version = BISCFS_VERSION;
	sb->block_size = BISCFS_BLOCK_SIZE;
	sb->inode_size = BISCFS_INODE_SIZE;
	sb->root_ino = BISCFS_ROOT_INO;
	sb->free_blocks = sb->nblocks - sb->data_start - 2;
	sb->free_inodes = sb->ninodes - 1;
	sb->state = BISCFS_STATE_CLEAN;
	sb->mkfs_time = sb->write_time = now / NSEC;
	sb->dir_hash_seed = o->hash_seed;
	if (sb->dir_hash_seed == 0)
		random_bytes(&sb->dir_hash_seed, sizeof(sb->dir_hash_seed));
	random_bytes(sb->uuid, sizeof(sb->uuid));
	if (o->label != NULL)
		strlcpy(sb->label, o->label, sizeof(sb->label));
	super_fill_crc(sb);
	b = zblock(d, 0);
	memcpy(b->data, sb, sizeof(*sb));
	put_dirty(b);
	err = bcache_sync(d);
out:
	kfree(sb);
	return err;
}

/* Is sb a biscfs that fits d?  0, -EINVAL (not ours), -EUCLEAN. */
static int
super_check(struct blkdev *d, const struct biscfs_super *sb)
{
	uint64_t n = sb->nblocks;

	if (sb->magic != BISCFS_MAGIC)
		return -EINVAL;
	if (sb->crc != biscfs_csum(0, sb, sizeof(*sb),
	    offsetof(struct biscfs_super, crc))) {
		printk("biscfs: %s: bad superblock checksum\n", d->name);
		return -EUCLEAN;
	}
	if (sb->version != BISCFS_VERSION ||
	    (sb->features_incompat & ~BISCFS_FEATURE_INCOMPAT_SUPP) != 0) {
		printk("biscfs: %s: version %u, features %#x not supported\n",
		    d->name, sb->version, sb->features_incompat);
		return -EINVAL;
	}
	if (sb->block_size != BISCFS_BLOCK_SIZE ||
	    sb->inode_size != BISCFS_INODE_SIZE || n > d->nblocks ||
	    sb->ninodes == 0 || sb->root_ino != BISCFS_ROOT_INO ||
	    sb->journal_start != 1 ||
	    sb->ibitmap_start != sb->journal_start + sb->journal_len ||
	    sb->ibitmap_len < div_up(sb->ninodes, BITS_PER_BLOCK) ||
	    sb->bbitmap_start != sb->ibitmap_start + sb->ibitmap_len ||
	    sb->bbitmap_len < div_up(n, BITS_PER_BLOCK) ||
	    sb->itable_start != sb->bbitmap_start + sb->bbitmap_len ||
	    sb->itable_len < div_up(sb->ninodes, BISCFS_INODES_PER_BLOCK) ||
	    sb->data_start != sb->itable_start + sb->itable_len ||
	    sb->data_start >= n) {
		printk("biscfs: %s: bad superblock geometry\n", d->name);
		return -EUCLEAN;
	}
	return 0;
}

/* The device mount(2)'s source names: "/dev/NAME" or "NAME". */
static struct blkdev *
source_dev(const char *source)
{
	if (strncmp(source, "/dev/", 5) == 0)
		source += 5;
	return blkdev_find(source);
}

/* Write the superblock with state in its own transaction. */
static int
super_write_state(struct biscfs *fs, uint32_t state)
{
	struct btx tx;

	mutex_lock(&fs->lock);
	fs->sb.state = state;
	/* Pending frees are free in the bitmaps this commit leaves. */
	fs->sb.free_blocks = fs->free_blocks + fs->npending;
	fs->sb.free_inodes = fs->free_inodes;
	if (state == BISCFS_STATE_MOUNTED) {
		fs->sb.mount_count++;
		fs->sb.mount_time = vfs_now() / NSEC;
	} else
		fs->sb.write_time = vfs_now() / NSEC;
	mutex_unlock(&fs->lock);
	tx_begin(&tx, fs, 1);
	super_dirty(&tx);
	return tx_end(&tx);
}

/* Let go of everything fs holds of its device. */
static void
fs_free(struct biscfs *fs)
{
	int err = 0;

	if (fs->jnl != NULL)
		err = jnl_close(fs->jnl);
	if (err == 0)
		err = bcache_sync(fs->dev);
	if (err != 0)
		printk("biscfs: %s: write error at unmount (%d)\n",
		    fs->dev->name, err);
	bcache_invalidate(fs->dev);
	alloc_fini(fs);
	kfree(fs);
}

/* Open the journal (recovering it), then read the superblock anew. */
static int
fs_recover(struct biscfs *fs, bool keep_open)
{
	struct biscfs_super *sb = &fs->sb;
	struct buf *b;
	unsigned replayed = 0;
	int err;

	err = jnl_open(fs->dev, sb->journal_start, sb->journal_len, &fs->jnl,
	    &replayed);
	if (err != 0) {
		printk("biscfs: %s: journal: %d\n", fs->dev->name, err);
		fs->jnl = NULL;
		return err;
	}
	if (replayed != 0)
		printk("biscfs: %s: recovered %u transactions\n",
		    fs->dev->name, replayed);
	if (!keep_open) {
		err = jnl_close(fs->jnl);
		fs->jnl = NULL;
		if (err != 0)
			return err;
	}
	if ((err = bread(fs->dev, 0, &b)) != 0)
		return err;
	memcpy(sb, b->data, sizeof(*sb));
	brelse(b);
	return super_check(fs->dev, sb);
}

/* Read and check the superblock of fs->dev, recover, count free space. */
static int
fs_load(struct biscfs *fs)
{
	struct biscfs_super *sb = &fs->sb;
	int err;

	if ((err = blk_rw(fs->dev, BLK_READ, 0, 1, sb)) != 0)
		return err;
	if ((err = super_check(fs->dev, sb)) != 0)
		return err;
	if ((sb->features_ro_compat & ~BISCFS_FEATURE_RO_COMPAT_SUPP) != 0) {
		printk("biscfs: %s: unknown features: read-only\n",
		    fs->dev->name);
		fs->readonly = true;
	}
	if (!fs->readonly || !fs->dev->readonly) {
		if ((err = fs_recover(fs, !fs->readonly)) != 0)
			return err;
	} else if (sb->state != BISCFS_STATE_CLEAN)
		printk("biscfs: %s: not clean, read-only device: "
		    "journal not replayed\n", fs->dev->name);
	return alloc_init(fs);
}

int
biscfs_mount(struct dentry *mp, const char *source, unsigned long flags)
{
	struct blkdev *d = source_dev(source);
	struct inode *root = NULL;
	struct dentry *rd;
	struct biscfs *fs;
	int err;

	if (d == NULL)
		return -ENOENT;
	for (fs = mounted; fs != NULL; fs = fs->next)
		if (fs->dev == d)
			return -EBUSY;
	fs = kzalloc(sizeof(*fs));
	fs->dev = d;
	fs->readonly = (flags & MS_RDONLY) != 0 || d->readonly;
	mutex_init(&fs->lock, "biscfs");
	list_init(&fs->orphans);
	if ((err = fs_load(fs)) != 0)
		goto fail;
	if ((err = biscfs_iget(fs, BISCFS_ROOT_INO, &root)) != 0)
		goto fail;
	if (!S_ISDIR(root->mode)) {
		err = biscfs_corrupt(fs, BISCFS_ROOT_INO, 0,
		    "root is not a directory");
		goto fail;
	}
	if (!fs->readonly) {
		if ((err = orphan_cleanup(fs)) != 0 ||
		    (err = super_write_state(fs, BISCFS_STATE_MOUNTED)) != 0 ||
		    (err = jnl_commit(fs->jnl)) != 0)
			goto fail;
	}
	if ((rd = vfs_mount_inode(mp, root)) == NULL) {
		err = -EBUSY;
		goto fail;
	}
	inode_put(root);	/* the root dentry holds it */
	fs->root = rd;
	fs->next = mounted;
	mounted = fs;
	return 0;
fail:
	if (root != NULL)
		inode_put(root);
	if (fs->live == 0)
		fs_free(fs);
	else
		printk("biscfs: %s: mount failed with inodes in use\n",
		    d->name);
	return err;
}

void
biscfs_put_fs(struct biscfs *fs)
{
	if (!fs->readonly)
		(void)super_write_state(fs, BISCFS_STATE_CLEAN);
	fs_free(fs);
}

void
biscfs_umount(struct dentry *root)
{
	struct biscfs **pp, *fs;

	for (pp = &mounted; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->root == root)
			break;
	if ((fs = *pp) == NULL)
		return;
	*pp = fs->next;
	fs->unmounted = true;
	if (fs->live == 0)
		biscfs_put_fs(fs);
	else
		printk("biscfs: %s: unmounted with %d inodes in use\n",
		    fs->dev->name, fs->live);
}
