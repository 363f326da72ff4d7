/*
 * biscfs extent trees: a file's logical blocks to device blocks.
 *
 * The tree (fs/biscfs_format.h) is a B+tree keyed by logical block
 * whose root lives in the inode (7 entries) and whose other nodes are
 * blocks (255 entries).  Lookups descend to the leaf whose key range
 * holds the block.  Inserting a block's mapping first tries to extend
 * a neighbouring extent (sequential writes make one extent per run of
 * contiguous blocks); otherwise it adds an extent, splitting full nodes
 * on the way down (top-down, so a split never has to climb back up and
 * one insert dirties at most two blocks per level: CR_BMAP credits).
 * A full root is pushed down into a new block, growing the tree by one
 * level.
 *
 * Truncation walks from the right end of the tree, freeing extents and
 * emptied nodes, in transactions sized by a read-only walk first; a
 * truncate too big for one transaction is done as several, from the
 * end of the file backwards, so each leaves a consistent file.
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "lib/string.h"

#define HDR_CRC_OFF	offsetof(struct biscfs_extent_header, crc)
#define TRUNC_CREDITS	64u	/* at most per truncate transaction */

static struct biscfs_extent_header *
root_of(struct inode *ip)
{
	return (struct biscfs_extent_header *)BI(ip)->data;
}

static struct biscfs_extent *
ext_of(struct biscfs_extent_header *h)
{
	return (struct biscfs_extent *)(h + 1);
}

static struct biscfs_extent_idx *
idx_of(struct biscfs_extent_header *h)
{
	return (struct biscfs_extent_idx *)(h + 1);
}

void
bmap_init_root(struct binode *bi)
{
	struct biscfs_extent_header *h = (void *)bi->data;

	memset(bi->data, 0, sizeof(bi->data));
	h->magic = BISCFS_EXTENT_MAGIC;
	h->max = BISCFS_EXTENTS_IN_INODE;
}

static bool
is_meta(struct inode *ip)
{
	return S_ISDIR(ip->mode) || S_ISLNK(ip->mode);
}

static void
node_csum(struct buf *b)
{
	struct biscfs_extent_header *h = (void *)b->data;

	h->crc = biscfs_csum(h->owner, b->data, BISCFS_BLOCK_SIZE,
	    HDR_CRC_OFF);
}

static void
node_dirty(struct btx *tx, struct buf *b)
{
	node_csum(b);
	tx_dirty(tx, b);
}

/* Read the tree node at blk, expected at depth `depth`. */
static int
node_read(struct inode *ip, uint64_t blk, unsigned depth, struct buf **out)
{
	struct biscfs *fs = BI(ip)->fs;
	struct biscfs_extent_header *h;
	struct buf *b;
	int err;

	if (blk < fs->sb.data_start)
		return biscfs_corrupt(fs, INO(ip), blk, "extent node in metadata");
	if ((err = biscfs_bread(fs, blk, &b)) != 0)
		return err;
	h = (void *)b->data;
	if (h->magic != BISCFS_EXTENT_MAGIC || h->max != BISCFS_EXTENTS_IN_BLOCK ||
	    h->count > h->max || h->depth != depth || h->owner != INO(ip) ||
	    (!(b->flags & B_CHECKED) && h->crc != biscfs_csum(h->owner,
	    b->data, BISCFS_BLOCK_SIZE, HDR_CRC_OFF))) {
		brelse(b);
		return biscfs_corrupt(fs, INO(ip), blk, "bad extent node");
	}
	/* node_dirty keeps the crc current from here on */
	__atomic_or_fetch(&b->flags, B_CHECKED, __ATOMIC_RELAXED);
	*out = b;
	return 0;
}

/* The entry of index node h whose subtree holds lblk. */
static unsigned
idx_find(struct biscfs_extent_header *h, uint32_t lblk)
{
	struct biscfs_extent_idx *ix = idx_of(h);
	unsigned i;

	for (i = 1; i < h->count; i++)
		if (ix[i].lblk > lblk)
			break;
	return i - 1;
}

static bool
root_sane(struct inode *ip)
{
	struct biscfs_extent_header *h = root_of(ip);

	return h->magic == BISCFS_EXTENT_MAGIC &&
	    h->max == BISCFS_EXTENTS_IN_INODE && h->count <= h->max &&
	    h->depth <= BISCFS_MAX_DEPTH;
}

int
bmap_lookup(struct inode *ip, uint32_t lblk, uint64_t *pblk)
{
	return bmap_lookup_run(ip, lblk, pblk, NULL);
}

int
bmap_lookup_run(struct inode *ip, uint32_t lblk, uint64_t *pblk,
    uint32_t *run)
{
	struct biscfs *fs = BI(ip)->fs;
	struct biscfs_extent_header *h = root_of(ip);
	struct biscfs_extent *e;
	struct buf *b = NULL, *nb;
	unsigned i;
	int err;

	*pblk = 0;
	if (!root_sane(ip))
		return biscfs_corrupt(fs, INO(ip), 0, "bad extent root");
	while (h->depth > 0) {
		if (h->count == 0)
			break;
		i = idx_find(h, lblk);
		err = node_read(ip, idx_of(h)[i].child, h->depth - 1u, &nb);
		if (b != NULL)
			brelse(b);
		if (err != 0)
			return err;
		b = nb;
		h = (void *)b->data;
	}
	if (h->depth == 0) {
		e = ext_of(h);
		for (i = 0; i < h->count; i++)
			if (lblk >= e[i].lblk && lblk - e[i].lblk < e[i].len) {
				*pblk = e[i].pblk + (lblk - e[i].lblk);
				if (run != NULL)
					*run = e[i].len - (lblk - e[i].lblk);
				break;
			}
	}
	if (b != NULL)
		brelse(b);
	if (*pblk != 0 && (*pblk < fs->sb.data_start ||
	    *pblk >= fs->sb.nblocks)) {
		*pblk = 0;
		return biscfs_corrupt(fs, INO(ip), lblk, "extent out of range");
	}
	return 0;
}

/* A fresh node block at depth `depth` owned by ip: locked, zeroed. */
static int
node_new(struct btx *tx, struct inode *ip, uint64_t goal, unsigned depth,
    struct buf **out)
{
	struct biscfs_extent_header *h;
	uint64_t blk;
	struct buf *b;
	int err;

	if ((err = balloc(tx, goal, &blk)) != 0)
		return err;
	b = bget(BI(ip)->fs->dev, blk);
	memset(b->data, 0, BISCFS_BLOCK_SIZE);
	h = (void *)b->data;
	h->magic = BISCFS_EXTENT_MAGIC;
	h->max = BISCFS_EXTENTS_IN_BLOCK;
	h->depth = (uint16_t)depth;
	h->owner = INO(ip);
	BI(ip)->nblocks++;
	*out = b;
	return 0;
}

/* The first key of node h (any depth). */
static uint32_t
first_key(struct biscfs_extent_header *h)
{
	return h->depth == 0 ? ext_of(h)[0].lblk : idx_of(h)[0].lblk;
}

/* The full root moves into a new block; the root indexes it alone. */
static int
root_push(struct btx *tx, struct inode *ip, uint64_t goal)
{
	struct biscfs_extent_header *r = root_of(ip), *h;
	struct buf *b;
	int err;

	if (r->depth >= BISCFS_MAX_DEPTH)
		return -EFBIG;
	if ((err = node_new(tx, ip, goal, r->depth, &b)) != 0)
		return err;
	h = (void *)b->data;
	h->count = r->count;
	memcpy(h + 1, r + 1, (size_t)r->count * 16);
	node_dirty(tx, b);
	r->depth++;
	r->count = 1;
	idx_of(r)[0].lblk = first_key(h);
	idx_of(r)[0].pad = 0;
	idx_of(r)[0].child = b->blkno;
	brelse(b);
	return 0;
}

/*
 * Split the full child c (entry i of parent p): its upper half moves
 * to a new node indexed at i + 1.  *c becomes whichever half holds
 * lblk; the other is written and let go.
 */
static int
split_child(struct btx *tx, struct inode *ip, struct biscfs_extent_header *p,
    unsigned i, struct buf **c, uint32_t lblk)
{
	struct biscfs_extent_header *h = (void *)(*c)->data, *nh;
	struct biscfs_extent_idx *pi = idx_of(p);
	unsigned half = h->count / 2u;
	struct buf *nb;
	int err;

	if ((err = node_new(tx, ip, (*c)->blkno + 1, h->depth, &nb)) != 0)
		return err;
	nh = (void *)nb->data;
	nh->count = (uint16_t)(h->count - half);
	memcpy(nh + 1, (uint8_t *)(h + 1) + (size_t)half * 16,
	    (size_t)nh->count * 16);
	h->count = (uint16_t)half;
	memmove(&pi[i + 2], &pi[i + 1], (size_t)(p->count - i - 1) * 16);
	pi[i + 1].lblk = first_key(nh);
	pi[i + 1].pad = 0;
	pi[i + 1].child = nb->blkno;
	p->count++;
	if (lblk >= pi[i + 1].lblk) {
		node_dirty(tx, *c);
		brelse(*c);
		*c = nb;
	} else {
		node_dirty(tx, nb);
		brelse(nb);
	}
	return 0;
}

/* Put lblk -> pblk into leaf h, which has room or a neighbour to grow. */
static void
leaf_insert(struct biscfs_extent_header *h, uint32_t lblk, uint64_t pblk)
{
	struct biscfs_extent *e = ext_of(h);
	unsigned pos;

	for (pos = 0; pos < h->count && e[pos].lblk <= lblk; pos++)
		continue;
	if (pos > 0 && e[pos - 1].lblk + e[pos - 1].len == lblk &&
	    e[pos - 1].pblk + e[pos - 1].len == pblk &&
	    e[pos - 1].len < UINT32_MAX) {
		e[pos - 1].len++;
		return;
	}
	if (pos < h->count && e[pos].lblk == lblk + 1 &&
	    e[pos].pblk == pblk + 1 && e[pos].len < UINT32_MAX) {
		e[pos].lblk--;
		e[pos].pblk--;
		e[pos].len++;
		return;
	}
	memmove(&e[pos + 1], &e[pos], (size_t)(h->count - pos) * 16);
	e[pos].lblk = lblk;
	e[pos].len = 1;
	e[pos].pblk = pblk;
	h->count++;
}

/* Map lblk (a hole) to pblk in ip's tree.  The caller writes the inode. */
static int
bmap_insert(struct btx *tx, struct inode *ip, uint32_t lblk, uint64_t pblk)
{
	struct biscfs_extent_header *r = root_of(ip), *p;
	struct buf *pb = NULL, *cb;
	unsigned i;
	int err;

	if (r->count == r->max && (err = root_push(tx, ip, pblk)) != 0)
		return err;
	p = r;
	while (p->depth > 0) {
		i = idx_find(p, lblk);
		err = node_read(ip, idx_of(p)[i].child, p->depth - 1u, &cb);
		if (err == 0 && ((struct biscfs_extent_header *)cb->data)->count ==
		    BISCFS_EXTENTS_IN_BLOCK) {
			if ((err = split_child(tx, ip, p, i, &cb, lblk)) != 0)
				brelse(cb);
		}
		if (pb != NULL) {
			node_dirty(tx, pb);
			brelse(pb);
		}
		if (err != 0)
			return err;
		pb = cb;
		p = (void *)cb->data;
	}
	leaf_insert(p, lblk, pblk);
	if (pb != NULL) {
		node_dirty(tx, pb);
		brelse(pb);
	}
	return 0;
}

int
bmap_alloc(struct btx *tx, struct inode *ip, uint32_t lblk, uint64_t *pblk,
    bool *fresh)
{
	uint64_t goal = 0, blk;
	int err;

	*fresh = false;
	if ((err = bmap_lookup(ip, lblk, pblk)) != 0 || *pblk != 0)
		return err;
	if (lblk > 0 && bmap_lookup(ip, lblk - 1, &goal) == 0 && goal != 0)
		goal++;
	if ((err = balloc(tx, goal, &blk)) != 0)
		return err;
	if ((err = bmap_insert(tx, ip, lblk, blk)) != 0) {
		bfree(tx, blk, 1, false);
		return err;
	}
	BI(ip)->nblocks++;
	ip->blocks = BI(ip)->nblocks * (BISCFS_BLOCK_SIZE / 512);
	*pblk = blk;
	*fresh = true;
	return 0;
}

/* What truncating from `from` would touch: a read-only walk. */
struct trunc_cost {
	unsigned nodes;		/* node blocks written or freed */
	uint64_t extents;	/* extents cut or freed */
	uint64_t blocks;	/* data blocks freed */
	uint32_t end;		/* one past the last mapped block */
};

static int
trunc_measure(struct inode *ip, struct biscfs_extent_header *h,
    uint32_t from, struct trunc_cost *c)
{
	struct biscfs_extent *e;
	struct biscfs_extent_idx *ix;
	struct buf *b;
	unsigned i;
	int err;

	if (h->depth == 0) {
		e = ext_of(h);
		for (i = h->count; i > 0; i--) {
			struct biscfs_extent *x = &e[i - 1];

			if ((uint64_t)x->lblk + x->len <= from)
				break;
			c->extents++;
			c->blocks += x->lblk >= from ? x->len :
			    x->lblk + x->len - from;
			if (x->lblk + x->len > c->end)
				c->end = x->lblk + x->len;
		}
		return 0;
	}
	ix = idx_of(h);
	for (i = h->count; i > 0; i--) {
		if ((err = node_read(ip, ix[i - 1].child, h->depth - 1u,
		    &b)) != 0)
			return err;
		c->nodes++;
		err = trunc_measure(ip, (void *)b->data, from, c);
		brelse(b);
		if (err != 0)
			return err;
		if (ix[i - 1].lblk < from)
			break;
	}
	return 0;
}

/* Free what lies from `from` on in the subtree h (dirtied by the caller). */
static int
trunc_node(struct btx *tx, struct inode *ip, struct biscfs_extent_header *h,
    uint32_t from)
{
	struct binode *bi = BI(ip);
	struct biscfs_extent *e;
	struct biscfs_extent_idx *ix;
	struct biscfs_extent_header *ch;
	struct buf *b;
	uint32_t cut, key;
	unsigned i;
	int err;

	if (h->depth == 0) {
		e = ext_of(h);
		while (h->count > 0) {
			struct biscfs_extent *x = &e[h->count - 1];

			if (x->lblk >= from) {
				bfree(tx, x->pblk, x->len, is_meta(ip));
				bi->nblocks -= x->len;
				h->count--;
				continue;
			}
			if ((uint64_t)x->lblk + x->len > from) {
				cut = x->lblk + x->len - from;
				bfree(tx, x->pblk + (from - x->lblk), cut,
				    is_meta(ip));
				bi->nblocks -= cut;
				x->len -= cut;
			}
			break;
		}
		return 0;
	}
	ix = idx_of(h);
	for (i = h->count; i > 0; i--) {
		key = ix[i - 1].lblk;
		if ((err = node_read(ip, ix[i - 1].child, h->depth - 1u,
		    &b)) != 0)
			return err;
		ch = (void *)b->data;
		err = trunc_node(tx, ip, ch, from);
		if (ch->count == 0) {
			bfree(tx, b->blkno, 1, true);
			bi->nblocks--;
			brelse(b);
			memmove(&ix[i - 1], &ix[i], (size_t)(h->count - i) * 16);
			h->count--;
		} else {
			node_dirty(tx, b);
			brelse(b);
		}
		if (err != 0)
			return err;
		/* Subtrees to the left hold only blocks below key. */
		if (key < from)
			break;
	}
	return 0;
}

/* One transaction's truncate from `from`, whose cost is c. */
static int
trunc_once(struct inode *ip, uint32_t from, unsigned credits)
{
	struct biscfs_extent_header *r = root_of(ip);
	struct btx tx;
	int err, err2;

	tx_begin(&tx, BI(ip)->fs, credits);
	err = trunc_node(&tx, ip, r, from);
	if (r->depth > 0 && r->count == 0)
		bmap_init_root(BI(ip));
	ip->blocks = BI(ip)->nblocks * (BISCFS_BLOCK_SIZE / 512);
	err2 = biscfs_iupdate(&tx, ip);
	if (err == 0)
		err = err2;
	err2 = tx_end(&tx);
	return err != 0 ? err : err2;
}

int
bmap_truncate(struct inode *ip, uint64_t lblk)
{
	struct biscfs *fs = BI(ip)->fs;
	struct trunc_cost c = { 0, 0, 0, 0 };
	uint32_t from = lblk >= BISCFS_MAX_FILE_BLOCKS ? UINT32_MAX :
	    (uint32_t)lblk;
	uint64_t bitmaps, credits;
	int err;

	if (lblk >= BISCFS_MAX_FILE_BLOCKS)
		return 0;
	/* Inodes with no extent tree: nodes, inline symlinks. */
	if (!(S_ISREG(ip->mode) || S_ISDIR(ip->mode) || S_ISLNK(ip->mode)) ||
	    (BI(ip)->flags & BISCFS_IF_INLINE))
		return 0;
	if (!root_sane(ip))
		return biscfs_corrupt(fs, INO(ip), 0, "bad extent root");
	if ((err = trunc_measure(ip, root_of(ip), from, &c)) != 0)
		return err;
	if (c.extents == 0)
		return 0;
	bitmaps = MIN(fs->sb.bbitmap_len,
	    c.extents * 2 + c.nodes + c.blocks / (BISCFS_BLOCK_SIZE * 8));
	credits = 2 + c.nodes + bitmaps;
	if (credits > TRUNC_CREDITS && c.end > from + 1u) {
		/* Too much for one transaction: the far half first. */
		if ((err = bmap_truncate(ip, from + (c.end - from) / 2u)) != 0)
			return err;
		return bmap_truncate(ip, from);
	}
	return trunc_once(ip, from, (unsigned)credits);
}
