/*
 * biscfs's allocator: the block and inode bitmaps.
 *
 * Both bitmaps are flat (fs/biscfs_format.h) and are journaled like
 * any metadata: an allocation sets its bit inside the caller's
 * transaction.  A search starts at a goal (the block after the one
 * that precedes it in the file, so files grow contiguously) or at the
 * last place a search ended, and scans 64 bits at a time, skipping
 * blocks pending release (biscfs_tx.c).  Free counts are kept in
 * memory, recounted from the bitmaps at mount.
 */
#include "biscfs_internal.h"
#include "contract/physmem.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/page.h"

#define BITS_PER_BLOCK	(BISCFS_BLOCK_SIZE * 8u)

int
biscfs_corrupt(struct biscfs *fs, uint32_t ino, uint64_t blk,
    const char *what)
{
	printk("biscfs: %s: inode %u block %llu: %s\n", fs->dev->name, ino,
	    (unsigned long long)blk, what);
	return -EUCLEAN;
}

int
biscfs_bread(struct biscfs *fs, uint64_t blkno, struct buf **out)
{
	int err;

	if (blkno >= fs->sb.nblocks)
		return biscfs_corrupt(fs, 0, blkno, "block out of range");
	if ((err = bread(fs->dev, blkno, out)) != 0)
		printk("biscfs: %s: read error at block %llu\n",
		    fs->dev->name, (unsigned long long)blkno);
	return err;
}

/* Set bits in byte x (the freestanding bake has no libgcc popcount). */
static unsigned
popcount8(unsigned x)
{
	x = x - ((x >> 1) & 0x55u);
	x = (x & 0x33u) + ((x >> 2) & 0x33u);
	return (x + (x >> 4)) & 0x0fu;
}

static uint64_t
popcount_area(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += popcount8(p[i]);
	return c;
}

/* Count the set bits of bitmap [start, start + len) over nbits bits. */
static int
count_used(struct biscfs *fs, uint64_t start, uint64_t len, uint64_t nbits,
    uint64_t *used)
{
	struct buf *b;
	uint64_t i, bits;
	int err;

	*used = 0;
	for (i = 0; i < len; i++) {
		if ((err = biscfs_bread(fs, start + i, &b)) != 0)
			return err;
		bits = MIN((uint64_t)BITS_PER_BLOCK, nbits - i * BITS_PER_BLOCK);
		*used += popcount_area(b->data, bits / 8);
		if (bits % 8)
			*used += popcount8(b->data[bits / 8] &
			    ((1u << (bits % 8)) - 1));
		brelse(b);
	}
	return 0;
}

int
alloc_init(struct biscfs *fs)
{
	uint64_t used, bytes = (fs->sb.nblocks + 7) / 8;
	unsigned order = 0;
	int err;

	if ((err = count_used(fs, fs->sb.bbitmap_start, fs->sb.bbitmap_len,
	    fs->sb.nblocks, &used)) != 0)
		return err;
	fs->free_blocks = fs->sb.nblocks - used;
	if ((err = count_used(fs, fs->sb.ibitmap_start, fs->sb.ibitmap_len,
	    fs->sb.ninodes, &used)) != 0)
		return err;
	fs->free_inodes = fs->sb.ninodes - used;
	while (((uint64_t)PAGE_SIZE << order) < bytes)
		order++;
	if ((fs->pending_pa = page_alloc(order, PAGE_ZERO)) == 0)
		return -ENOMEM;
	fs->pending_order = order;
	fs->pending = phys_to_virt(fs->pending_pa);
	fs->bhint = fs->sb.data_start;
	fs->ihint = 0;
	return 0;
}

void
alloc_fini(struct biscfs *fs)
{
	if (fs->pending != NULL)
		page_free(fs->pending_pa, fs->pending_order);
	fs->pending = NULL;
}

static bool
bit_test(const uint8_t *map, uint64_t n)
{
	return (map[n / 8] >> (n % 8)) & 1;
}

static void
bit_set(uint8_t *map, uint64_t n)
{
	map[n / 8] |= (uint8_t)(1u << (n % 8));
}

static void
bit_clear(uint8_t *map, uint64_t n)
{
	map[n / 8] &= (uint8_t)~(1u << (n % 8));
}

/*
 * A clear bit of bitmap block b (covering bits from base on, nbits in
 * all) at or after offset `from`, also clear in pending (when not
 * NULL): its offset, or -1.
 */
static int64_t
find_clear(const uint8_t *map, const uint8_t *pending, uint64_t base,
    uint64_t nbits, uint64_t from)
{
	uint64_t i, end = MIN((uint64_t)BITS_PER_BLOCK, nbits - base);
	uint64_t w, pw;

	for (i = from; i < end; ) {
		if (i % 64 == 0 && i + 64 <= end) {
			memcpy(&w, map + i / 8, 8);
			pw = 0;
			if (pending != NULL)
				memcpy(&pw, pending + (base + i) / 8, 8);
			if ((w | pw) == ~0ull) {
				i += 64;
				continue;
			}
			return (int64_t)(i + (uint64_t)__builtin_ctzll(~(w | pw)));
		}
		if (!bit_test(map, i) &&
		    (pending == NULL || !bit_test(pending, base + i)))
			return (int64_t)i;
		i++;
	}
	return -1;
}

/*
 * Find and set a clear bit of a bitmap of nbits bits at [start, +len),
 * from bit `goal` on, wrapping around: 0 with *out, or -ENOSPC.
 */
static int
bitmap_take(struct btx *tx, uint64_t start, uint64_t len, uint64_t nbits,
    uint64_t goal, const uint8_t *pending, uint64_t *out)
{
	struct biscfs *fs = tx->fs;
	uint64_t blk, first = goal / BITS_PER_BLOCK, n;
	struct buf *b;
	int64_t off;
	int err;

	for (n = 0; n <= len; n++) {
		blk = (first + n) % len;
		if ((err = biscfs_bread(fs, start + blk, &b)) != 0)
			return err;
		off = find_clear(b->data, pending, blk * BITS_PER_BLOCK, nbits,
		    n == 0 ? goal % BITS_PER_BLOCK : 0);
		if (off >= 0) {
			bit_set(b->data, (uint64_t)off);
			tx_dirty(tx, b);
			brelse(b);
			*out = blk * BITS_PER_BLOCK + (uint64_t)off;
			return 0;
		}
		brelse(b);
	}
	return -ENOSPC;
}

int
balloc(struct btx *tx, uint64_t goal, uint64_t *out)
{
	struct biscfs *fs = tx->fs;
	int err;

	mutex_lock(&fs->lock);
	if (fs->free_blocks == 0) {
		mutex_unlock(&fs->lock);
		return -ENOSPC;
	}
	if (goal < fs->sb.data_start || goal >= fs->sb.nblocks)
		goal = fs->bhint;
	err = bitmap_take(tx, fs->sb.bbitmap_start, fs->sb.bbitmap_len,
	    fs->sb.nblocks, goal, fs->pending, out);
	if (err == 0) {
		if (*out < fs->sb.data_start) {
			mutex_unlock(&fs->lock);
			return biscfs_corrupt(fs, 0, *out,
			    "metadata block free in the bitmap");
		}
		fs->free_blocks--;
		fs->bhint = *out + 1 < fs->sb.nblocks ? *out + 1 :
		    fs->sb.data_start;
	}
	mutex_unlock(&fs->lock);
	return err;
}

void
bfree(struct btx *tx, uint64_t pblk, uint64_t len, bool meta)
{
	struct biscfs *fs = tx->fs;
	struct buf *b = NULL;
	uint64_t i, bb, cur = UINT64_MAX;

	if (len == 0)
		return;
	if (pblk < fs->sb.data_start || pblk + len > fs->sb.nblocks ||
	    pblk + len < pblk) {
		biscfs_corrupt(fs, 0, pblk, "freeing a block out of range");
		return;
	}
	mutex_lock(&fs->lock);
	for (i = pblk; i < pblk + len; i++) {
		bb = i / BITS_PER_BLOCK;
		if (bb != cur) {
			if (b != NULL) {
				tx_dirty(tx, b);
				brelse(b);
				b = NULL;
			}
			if (biscfs_bread(fs, fs->sb.bbitmap_start + bb, &b) != 0)
				break;
			cur = bb;
		}
		if (!bit_test(b->data, i % BITS_PER_BLOCK))
			biscfs_corrupt(fs, 0, i, "freeing a free block");
		bit_clear(b->data, i % BITS_PER_BLOCK);
		bit_set(fs->pending, i);
		fs->npending++;
		if (meta)
			jnl_revoke(tx->h, i);
	}
	if (b != NULL) {
		tx_dirty(tx, b);
		brelse(b);
	}
	mutex_unlock(&fs->lock);
	tx_freed(tx, pblk, len);
}

void
alloc_release(struct biscfs *fs, uint64_t pblk, uint64_t len)
{
	uint64_t i;

	mutex_lock(&fs->lock);
	for (i = pblk; i < pblk + len; i++)
		bit_clear(fs->pending, i);
	fs->free_blocks += len;
	fs->npending -= len;
	mutex_unlock(&fs->lock);
}

int
ialloc(struct btx *tx, uint32_t *ino)
{
	struct biscfs *fs = tx->fs;
	uint64_t bit;
	int err;

	mutex_lock(&fs->lock);
	if (fs->free_inodes == 0) {
		mutex_unlock(&fs->lock);
		return -ENOSPC;
	}
	err = bitmap_take(tx, fs->sb.ibitmap_start, fs->sb.ibitmap_len,
	    fs->sb.ninodes, fs->ihint, NULL, &bit);
	if (err == 0) {
		fs->free_inodes--;
		fs->ihint = (uint32_t)((bit + 1) % fs->sb.ninodes);
		*ino = (uint32_t)bit + 1;
	}
	mutex_unlock(&fs->lock);
	return err;
}

void
ifree(struct btx *tx, uint32_t ino)
{
	struct biscfs *fs = tx->fs;
	uint64_t bit = ino - 1;
	struct buf *b;

	mutex_lock(&fs->lock);
	if (biscfs_bread(fs, fs->sb.ibitmap_start + bit / BITS_PER_BLOCK,
	    &b) == 0) {
		bit_clear(b->data, bit % BITS_PER_BLOCK);
		tx_dirty(tx, b);
		brelse(b);
		fs->free_inodes++;
	}
	mutex_unlock(&fs->lock);
}

void
super_fill_crc(struct biscfs_super *sb)
{
	sb->crc = biscfs_csum(0, sb, sizeof(*sb),
	    offsetof(struct biscfs_super, crc));
}

void
super_dirty(struct btx *tx)
{
	struct biscfs *fs = tx->fs;
	struct buf *b;

	mutex_lock(&fs->lock);
	if (biscfs_bread(fs, 0, &b) != 0) {
		mutex_unlock(&fs->lock);
		return;
	}
	super_fill_crc(&fs->sb);
	memcpy(b->data, &fs->sb, sizeof(fs->sb));
	mutex_unlock(&fs->lock);
	tx_dirty(tx, b);
	brelse(b);
}
