/*
 * biscfs file data: read, write, truncate, fsync, and symlink targets.
 *
 * Data moves through the block cache, by the physical block the extent
 * tree maps it to.  A write allocates the blocks of the holes it fills
 * and records them, with the new size and times, in a transaction per
 * block; the data itself is only bdirty()'d, never journaled: the
 * journal writes every dirty buffer of the device before it commits
 * (ordered mode), so a committed mapping never points at a block whose
 * new data is not on disk.  Holes read as zeroes; a fresh block is
 * zeroed before a partial write fills part of it.
 *
 * All of it runs under the file's binode lock, and read and write
 * without vfs_lock (fs/vfs.h's own_data_lock).
 *
 * Truncation zeroes the tail of a new last block (so growing the file
 * again shows zeroes, as POSIX asks) and frees the blocks past the end.
 *
 * Symlink targets under 128 bytes live in the inode; longer ones in one
 * block that is journaled like metadata, being made with the inode.
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

#define BS	BISCFS_BLOCK_SIZE

/*
 * Read-ahead.  A block that misses the cache is read together with the
 * blocks after it in its extent (bcache_readahead: one round trip to the
 * device for the lot): those the read itself wants, and, when the read
 * carries on where the last one ended, up to BCACHE_RA_MAX more, as far
 * as the file's end.  A random reader pays for no more than it asked.
 */
static void
read_ahead(struct inode *ip, uint32_t lblk, uint64_t pblk, uint32_t run,
    uint32_t want)
{
	uint32_t eof = (uint32_t)((ip->size + BS - 1) / BS), n = want;

	if (lblk == BI(ip)->ra_next)
		n += BCACHE_RA_MAX;
	n = MIN(n, MIN(run, eof - lblk));
	if (n > 1)
		bcache_readahead(BI(ip)->fs->dev, pblk, n);
}

static ssize_t
read_locked(struct inode *ip, void *kbuf, size_t n, uint64_t off)
{
	struct biscfs *fs = BI(ip)->fs;
	uint8_t *dst = kbuf;
	size_t done = 0, boff, chunk;
	uint32_t lblk, run, last;
	uint64_t pblk;
	struct buf *b;
	int err = 0;

	if (off >= ip->size)
		return 0;
	if (n > ip->size - off)
		n = (size_t)(ip->size - off);
	last = (uint32_t)((off + n - 1) / BS);
	while (done < n) {
		boff = (size_t)((off + done) % BS);
		chunk = MIN(BS - boff, n - done);
		lblk = (uint32_t)((off + done) / BS);
		err = bmap_lookup_run(ip, lblk, &pblk, &run);
		if (err != 0)
			break;
		if (pblk == 0)
			memset(dst + done, 0, chunk);
		else {
			if (!bcache_cached(fs->dev, pblk))
				read_ahead(ip, lblk, pblk, run, last - lblk + 1);
			if ((err = biscfs_bread(fs, pblk, &b)) != 0)
				break;
			memcpy(dst + done, b->data + boff, chunk);
			brelse(b);
		}
		done += chunk;
	}
	BI(ip)->ra_next = (uint32_t)((off + done + BS - 1) / BS);
	return done > 0 ? (ssize_t)done : err;
}

/* Write chunk bytes at boff of logical block lblk, in one transaction. */
static int
write_block(struct inode *ip, const uint8_t *src, uint32_t lblk, size_t boff,
    size_t chunk)
{
	struct biscfs *fs = BI(ip)->fs;
	uint64_t pblk, end;
	struct btx tx;
	struct buf *b;
	bool fresh;
	int err, err2;

	tx_begin(&tx, fs, CR_BMAP + CR_INODE);
	if ((err = bmap_alloc(&tx, ip, lblk, &pblk, &fresh)) != 0)
		goto out;
	if (fresh || chunk == BS) {
		b = bget(fs->dev, pblk);
		if (fresh && chunk != BS)
			memset(b->data, 0, BS);
	} else if ((err = biscfs_bread(fs, pblk, &b)) != 0)
		goto out;
	memcpy(b->data + boff, src, chunk);
	bdirty(b);
	brelse(b);
	end = (uint64_t)lblk * BS + boff + chunk;
	if (end > ip->size)
		ip->size = end;
	ip->mtime = ip->ctime = vfs_now();
	err = biscfs_iupdate(&tx, ip);
out:
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

ssize_t
biscfs_read(struct inode *ip, void *kbuf, size_t n, uint64_t off)
{
	ssize_t r;

	mutex_lock(&BI(ip)->lock);
	r = read_locked(ip, kbuf, n, off);
	if (r > 0)
		ip->atime = vfs_now();	/* in memory; written with the next */
	mutex_unlock(&BI(ip)->lock);
	return r;
}

static ssize_t
write_locked(struct inode *ip, const void *kbuf, size_t n, uint64_t off)
{
	struct biscfs *fs = BI(ip)->fs;
	const uint8_t *src = kbuf;
	size_t done = 0, boff, chunk;
	int err = 0;

	if (fs->readonly)
		return -EROFS;
	if (off >= BISCFS_MAX_FILE_SIZE)
		return n == 0 ? 0 : -EFBIG;
	if (n > BISCFS_MAX_FILE_SIZE - off)
		n = (size_t)(BISCFS_MAX_FILE_SIZE - off);
	while (done < n) {
		boff = (size_t)((off + done) % BS);
		chunk = MIN(BS - boff, n - done);
		err = write_block(ip, src + done, (uint32_t)((off + done) / BS),
		    boff, chunk);
		if (err != 0)
			break;
		done += chunk;
	}
	return done > 0 ? (ssize_t)done : err;
}

ssize_t
biscfs_write(struct inode *ip, const void *kbuf, size_t n, uint64_t off)
{
	ssize_t r;

	mutex_lock(&BI(ip)->lock);
	r = write_locked(ip, kbuf, n, off);
	mutex_unlock(&BI(ip)->lock);
	return r;
}

/* Zero the bytes of size's block past size (it stays the last block). */
static int
zero_tail(struct inode *ip, uint64_t size)
{
	struct biscfs *fs = BI(ip)->fs;
	uint64_t pblk;
	struct buf *b;
	int err;

	if (size % BS == 0)
		return 0;
	if ((err = bmap_lookup(ip, (uint32_t)(size / BS), &pblk)) != 0 ||
	    pblk == 0)
		return err;
	if ((err = biscfs_bread(fs, pblk, &b)) != 0)
		return err;
	memset(b->data + size % BS, 0, BS - size % BS);
	bdirty(b);
	brelse(b);
	return 0;
}

static int
truncate_locked(struct inode *ip, uint64_t size)
{
	struct biscfs *fs = BI(ip)->fs;
	struct btx tx;
	int err, err2;

	if (fs->readonly)
		return -EROFS;
	if (size > BISCFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (size < ip->size) {
		if ((err = zero_tail(ip, size)) != 0)
			return err;
		ip->size = size;
		if ((err = bmap_truncate(ip, (size + BS - 1) / BS)) != 0)
			return err;
	}
	ip->size = size;
	tx_begin(&tx, fs, CR_INODE);
	err = biscfs_iupdate(&tx, ip);
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

int
biscfs_truncate(struct inode *ip, uint64_t size)
{
	int err;

	mutex_lock(&BI(ip)->lock);
	err = truncate_locked(ip, size);
	mutex_unlock(&BI(ip)->lock);
	return err;
}

int
biscfs_fsync(struct inode *ip, bool datasync)
{
	struct biscfs *fs = BI(ip)->fs;
	int err, err2;

	(void)datasync;	/* metadata commits with the data either way */
	if (fs->readonly)
		return 0;
	err = bcache_sync(fs->dev);
	err2 = jnl_commit(fs->jnl);
	return err != 0 ? err : err2;
}

int
biscfs_symlink_write(struct btx *tx, struct inode *ip, const char *target)
{
	size_t len = strlen(target);
	struct binode *bi = BI(ip);
	uint64_t pblk;
	struct buf *b;
	bool fresh;
	int err;

	if (len >= BS)
		return -ENAMETOOLONG;
	ip->size = len;
	if (len < BISCFS_INODE_DATA) {
		bi->flags |= BISCFS_IF_INLINE;
		memset(bi->data, 0, sizeof(bi->data));
		memcpy(bi->data, target, len);
	} else {
		if ((err = bmap_alloc(tx, ip, 0, &pblk, &fresh)) != 0)
			return err;
		b = bget(bi->fs->dev, pblk);
		memset(b->data, 0, BS);
		memcpy(b->data, target, len);
		tx_dirty(tx, b);
		brelse(b);
	}
	ip->symlink = kmalloc(len + 1);
	memcpy(ip->symlink, target, len + 1);
	return biscfs_iupdate(tx, ip);
}

int
biscfs_symlink_read(struct inode *ip, char **out)
{
	struct binode *bi = BI(ip);
	uint64_t pblk;
	struct buf *b;
	char *s;
	int err;

	if (ip->size >= BS || ((bi->flags & BISCFS_IF_INLINE) &&
	    ip->size >= BISCFS_INODE_DATA))
		return biscfs_corrupt(bi->fs, INO(ip), 0, "bad symlink size");
	s = kmalloc(ip->size + 1);
	if (bi->flags & BISCFS_IF_INLINE)
		memcpy(s, bi->data, ip->size);
	else {
		if ((err = bmap_lookup(ip, 0, &pblk)) == 0 && pblk == 0)
			err = biscfs_corrupt(bi->fs, INO(ip), 0,
			    "symlink without its block");
		if (err == 0 && (err = biscfs_bread(bi->fs, pblk, &b)) == 0) {
			memcpy(s, b->data, ip->size);
			brelse(b);
		}
		if (err != 0) {
			kfree(s);
			return err;
		}
	}
	s[ip->size] = '\0';
	*out = s;
	return 0;
}
