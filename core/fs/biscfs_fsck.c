/*
 * fsck for biscfs (fs/biscfs_fsck.h): check an unmounted file system,
 * and repair it on request.
 *
 * The check works from the inodes outward, since the format makes the
 * inodes the truth and the bitmaps a summary of them:
 *
 *   1. superblock: magic, version, checksum, and a layout that adds up
 *      (journal, bitmaps, inode table and data area back to back, each
 *      long enough for its counts, all inside the device).  A damaged
 *      one whose layout still adds up, or can be made to by re-deriving
 *      one field from the others, is rewritten; otherwise fsck stops.
 *      Its directory hash seed is then checked against a name in the
 *      root, since a damaged seed would make every name look corrupt.
 *   2. journal: recovered (replayed) and closed, as a mount would.
 *   3. inodes: checksum, type, flags; each extent tree walked (node
 *      magic, checksum, owner, depth, sorted non-overlapping entries
 *      inside the device's data area; a node's first index entry
 *      covers from the node's own start, as ext4's), its blocks claimed
 *      in a map, so
 *      a block two inodes claim is found; the block count compared.
 *      An inode that fails is cleared: nothing in it can be trusted.
 *   4. directories: the header (owner, depth, a bucket table whose
 *      slots agree with each bucket's local depth and prefix), every
 *      bucket and its entries (lengths, names, the stored hash equal to
 *      the name's, the prefix, an inode that exists, the right type).
 *      A bucket with a bad checksum keeps the entries that still check
 *      out; a wrong entry is dropped; a header that cannot be trusted
 *      clears the directory (the root is then made again, empty).
 *   5. reachability from the root: each directory has one name, and
 *      every inode no directory reaches is freed (there is no
 *      lost+found).  Orphans (on the list, no links) are no error: a
 *      check leaves them to the mount, a repair frees them.
 *   6. link counts (names; a directory's is 2 + its subdirectories).
 *   7. bitmaps: rebuilt from the surviving inodes and compared.
 *   8. superblock: the orphan list emptied, the free counts (hints, so
 *      a wrong one is only noted, as e2fsck does) and the clean state.
 *
 * Repairs write through the block cache without the journal (nothing
 * is mounted), and fsck syncs the device at the end.  Memory: a claim
 * bit per block, a few bytes per inode, and each directory's extents
 * while it is checked.
 */
#include "blk/bcache.h"
#include "fs/biscfs_format.h"
#include "fs/biscfs_fsck.h"
#include "fs/journal.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/time.h"
#include "lib/bitmap.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

#define BITS_PER_BLOCK	(BISCFS_BLOCK_SIZE * 8u)
#define MAX_DIR_EXTENTS	4096u

/* Per-inode state. */
enum {
	IS_FREE,	/* mode 0 */
	IS_USED,	/* checked and kept */
	IS_CLEARED,	/* damaged: cleared (or to be, without repair) */
};

/* Directory reachability. */
enum { R_UNKNOWN, R_YES, R_NO, R_VISITING };

struct ext {
	uint32_t lblk, len;
	uint64_t pblk;
};

struct fsck {
	struct blkdev *d;
	const struct biscfs_fsck_opts *o;
	struct biscfs_fsck_result *res;
	bool repair;
	struct biscfs_super sb;		/* as checked (and repaired) */
	bool sb_dirty;
	uint8_t *state;			/* [ino]: IS_* */
	uint16_t *type;			/* [ino]: mode & S_IFMT of used inodes */
	uint32_t *nlink;		/* [ino]: the inode's own count */
	uint32_t *refs;			/* [ino]: names found */
	uint32_t *parent;		/* [ino]: directory holding its name */
	uint32_t *subdirs;		/* [ino]: subdirectories named */
	uint8_t *reach;			/* [ino]: R_* of directories */
	struct ext **dext;		/* [ino]: a directory's extents */
	uint32_t *dnext;		/* [ino]: how many */
	unsigned long *claimed;		/* [block]: owned by a kept inode */
	/* The extents an inode's walk claimed (to undo, or a directory's map). */
	struct ext *ext;
	unsigned next, ext_max;
	bool ext_overflow;
	uint64_t walked_blocks;		/* data + node blocks of the walk */
	int err;			/* first I/O error */
	uint8_t bucket_out[BISCFS_BUCKET_SPACE];	/* a bucket rewritten */
	char shown[BISCFS_NAME_MAX + 1];		/* a name reported */
};

/* ------------------------------------------------------------------ */
/* Reporting.                                                          */

static void __printflike(3, 4)
say(struct fsck *f, bool fixable, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (fixable) {
		f->res->errors++;
		if (f->repair) {
			f->res->fixed++;
			if ((size_t)n < sizeof(line))
				strlcpy(line + n, ": fixed", sizeof(line) - n);
		}
	}
	if (f->o->report != NULL)
		f->o->report(f->o->arg, line);
	else
		printk("fsck %s: %s\n", f->d->name, line);
}

#define problem(f, ...)	say((f), true, __VA_ARGS__)
#define note(f, ...)	say((f), false, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Blocks.                                                             */

static int
get_block(struct fsck *f, uint64_t blkno, struct buf **out)
{
	int err = bread(f->d, blkno, out);

	if (err != 0 && f->err == 0) {
		f->err = err;
		note(f, "block %llu: read error %d", (unsigned long long)blkno,
		    err);
	}
	return err;
}

/* b (held) changed: write it back now when repairing. */
static void
put_dirty(struct fsck *f, struct buf *b)
{
	if (f->repair)
		bdirty(b);
	brelse(b);
}

static bool
in_data(const struct fsck *f, uint64_t blk, uint64_t len)
{
	return blk >= f->sb.data_start && len <= f->sb.nblocks &&
	    blk <= f->sb.nblocks - len;
}

/* ------------------------------------------------------------------ */
/* 1. The superblock.                                                  */

static uint64_t
div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Does sb's layout add up on a device of devblocks blocks? */
static bool
layout_ok(const struct biscfs_super *s, uint64_t devblocks)
{
	return s->nblocks > 0 && s->nblocks <= devblocks &&
	    s->ninodes >= 1 && s->journal_start == 1 &&
	    s->journal_len >= 1 && s->journal_len < s->nblocks &&
	    s->ibitmap_start == s->journal_start + s->journal_len &&
	    s->ibitmap_len == div_up(s->ninodes, BITS_PER_BLOCK) &&
	    s->bbitmap_start == s->ibitmap_start + s->ibitmap_len &&
	    s->bbitmap_len == div_up(s->nblocks, BITS_PER_BLOCK) &&
	    s->itable_start == s->bbitmap_start + s->bbitmap_len &&
	    s->itable_len == div_up(s->ninodes, BISCFS_INODES_PER_BLOCK) &&
	    s->data_start == s->itable_start + s->itable_len &&
	    s->data_start < s->nblocks;
}

/*
 * A layout that does not add up: re-derive each field in turn from the
 * others (one flipped field is the usual damage); true when one works.
 */
static bool
layout_rederive(struct biscfs_super *s, uint64_t devblocks)
{
	struct biscfs_super t;
	int i;

	for (i = 0; i < 12; i++) {
		t = *s;
		switch (i) {
		case 0: t.journal_start = 1; break;
		case 1: t.journal_len = t.ibitmap_start - t.journal_start; break;
		case 2: t.ibitmap_start = t.journal_start + t.journal_len; break;
		case 3: t.ibitmap_len = t.bbitmap_start - t.ibitmap_start; break;
		case 4: t.bbitmap_start = t.ibitmap_start + t.ibitmap_len; break;
		case 5: t.bbitmap_len = t.itable_start - t.bbitmap_start; break;
		case 6: t.itable_start = t.bbitmap_start + t.bbitmap_len; break;
		case 7: t.itable_len = t.data_start - t.itable_start; break;
		case 8: t.data_start = t.itable_start + t.itable_len; break;
		case 9: t.nblocks = devblocks; break;
		case 10:
			t.ninodes = (uint32_t)(t.itable_len *
			    BISCFS_INODES_PER_BLOCK);
			break;
		case 11:
			t.nblocks = t.bbitmap_len * BITS_PER_BLOCK < devblocks ?
			    t.bbitmap_len * BITS_PER_BLOCK : devblocks;
			break;
		}
		if (layout_ok(&t, devblocks)) {
			*s = t;
			return true;
		}
	}
	return false;
}

/* Fields with one right value, and zeroes: set them; true if any changed. */
static bool
fix_constants(struct fsck *f, struct biscfs_super *s)
{
	struct biscfs_super t = *s;
	size_t i;

	t.magic = BISCFS_MAGIC;
	t.version = BISCFS_VERSION;
	t.block_size = BISCFS_BLOCK_SIZE;
	t.inode_size = BISCFS_INODE_SIZE;
	t.root_ino = BISCFS_ROOT_INO;
	t.features_incompat &= BISCFS_FEATURE_INCOMPAT_SUPP;
	t.features_ro_compat &= BISCFS_FEATURE_RO_COMPAT_SUPP;
	if (t.state != BISCFS_STATE_CLEAN && t.state != BISCFS_STATE_MOUNTED)
		t.state = BISCFS_STATE_MOUNTED;
	for (i = 0; i < sizeof(t.reserved); i++)
		t.reserved[i] = 0;
	t.label[sizeof(t.label) - 1] = '\0';
	if (memcmp(&t, s, sizeof(t)) == 0)
		return false;
	*s = t;
	return true;
}

static int read_inode(struct fsck *f, uint32_t ino, struct biscfs_inode *ip);

/*
 * The first name in the root directory's first bucket, read straight
 * from the (unchecked) root inode: false when there is none to read.
 */
static bool
root_first_name(struct fsck *f, struct biscfs_dirent *e, char *name)
{
	const struct biscfs_extent_header *h;
	const struct biscfs_extent *x;
	const struct biscfs_dirent *d;
	struct biscfs_inode in;
	uint64_t hdr, bucket;
	uint32_t lb;
	struct buf *b;

	if (read_inode(f, BISCFS_ROOT_INO, &in) != 0)
		return false;
	h = (const void *)in.data;
	x = (const void *)(h + 1);
	if (h->magic != BISCFS_EXTENT_MAGIC || h->depth != 0 || h->count == 0 ||
	    h->count > BISCFS_EXTENTS_IN_INODE || x[0].lblk != 0 ||
	    !in_data(f, x[0].pblk, x[0].len))
		return false;
	hdr = x[0].pblk;
	if (get_block(f, hdr, &b) != 0)
		return false;
	lb = ((const struct biscfs_dir_header *)b->data)->table[0];
	brelse(b);
	if (lb == 0 || lb >= x[0].len)
		return false;
	bucket = x[0].pblk + lb;
	if (get_block(f, bucket, &b) != 0)
		return false;
	d = (const void *)(b->data + BISCFS_BUCKET_HDR);
	if (((const struct biscfs_bucket *)b->data)->count == 0 ||
	    d->name_len == 0) {
		brelse(b);
		return false;
	}
	memcpy(e, d, sizeof(*e));
	memcpy(name, d->name, d->name_len);
	brelse(b);
	return true;
}

/*
 * A superblock that failed its checksum may carry a damaged directory
 * hash seed, and every name would then look corrupt.  Check it against
 * a stored name in the root; a seed one bit away that matches is the
 * right one.
 */
static void
check_seed(struct fsck *f)
{
	struct biscfs_dirent e;
	char name[BISCFS_NAME_MAX];
	uint64_t seed = f->sb.dir_hash_seed, cand;
	unsigned i;

	if (!root_first_name(f, &e, name) ||
	    e.hash == biscfs_dir_hash(seed, name, e.name_len))
		return;
	for (i = 0; i < 64; i++) {
		cand = seed ^ (1ull << i);
		if (e.hash == biscfs_dir_hash(cand, name, e.name_len)) {
			problem(f, "superblock: directory hash seed damaged "
			    "(bit %u)", i);
			f->sb.dir_hash_seed = cand;
			return;
		}
	}
}

static int
check_super(struct fsck *f)
{
	struct biscfs_super *s = &f->sb;
	struct buf *b;
	uint32_t crc;
	int err;

	if ((err = get_block(f, 0, &b)) != 0)
		return err;
	memcpy(s, b->data, sizeof(*s));
	brelse(b);
	crc = biscfs_csum(0, s, sizeof(*s), offsetof(struct biscfs_super, crc));
	if (crc == s->crc && s->magic == BISCFS_MAGIC &&
	    s->version == BISCFS_VERSION && layout_ok(s, f->d->nblocks) &&
	    s->block_size == BISCFS_BLOCK_SIZE &&
	    s->inode_size == BISCFS_INODE_SIZE &&
	    s->root_ino == BISCFS_ROOT_INO) {
		if (s->features_incompat & ~BISCFS_FEATURE_INCOMPAT_SUPP) {
			note(f, "superblock: unknown incompatible features "
			    "%#x", s->features_incompat);
			return -EUCLEAN;
		}
		return 0;
	}
	/* Damaged: is it still a biscfs superblock we can stand on? */
	if (s->magic != BISCFS_MAGIC && s->version != BISCFS_VERSION &&
	    s->block_size != BISCFS_BLOCK_SIZE) {
		note(f, "superblock: not a biscfs file system (magic %#x)",
		    s->magic);
		return -EUCLEAN;
	}
	if (crc != s->crc)
		problem(f, "superblock: checksum mismatch");
	if (!layout_ok(s, f->d->nblocks)) {
		if (!layout_rederive(s, f->d->nblocks)) {
			note(f, "superblock: layout damaged beyond repair");
			return -EUCLEAN;
		}
		problem(f, "superblock: layout field damaged, re-derived");
	}
	if (fix_constants(f, s))
		problem(f, "superblock: constant or reserved fields damaged");
	check_seed(f);
	f->sb_dirty = true;
	return 0;
}

static int
write_super(struct fsck *f)
{
	struct buf *b;
	int err;

	if (!f->repair || !f->sb_dirty)
		return 0;
	if ((err = get_block(f, 0, &b)) != 0)
		return err;
	f->sb.crc = biscfs_csum(0, &f->sb, sizeof(f->sb),
	    offsetof(struct biscfs_super, crc));
	memcpy(b->data, &f->sb, sizeof(f->sb));
	bdirty(b);
	brelse(b);
	f->sb_dirty = false;
	return 0;
}

/* ------------------------------------------------------------------ */
/* 2. The journal.                                                     */

static int
replay_journal(struct fsck *f)
{
	struct journal *j;
	unsigned replayed = 0;
	int err;

	err = jnl_open(f->d, f->sb.journal_start, f->sb.journal_len, &j,
	    &replayed);
	if (err == -EUCLEAN) {
		problem(f, "journal: log superblock damaged%s",
		    f->repair ? ", log emptied" : "");
		if (f->repair)
			return jnl_format(f->d, f->sb.journal_start,
			    f->sb.journal_len);
		return 0;
	}
	if (err != 0) {
		note(f, "journal: recovery failed (%d)", err);
		return err;
	}
	f->res->replayed = replayed;
	if (replayed > 0)
		note(f, "journal: replayed %u transactions", replayed);
	return jnl_close(j);
}

/* ------------------------------------------------------------------ */
/* 3. Inodes and extent trees.                                         */

static uint64_t
itable_block(const struct fsck *f, uint32_t ino)
{
	return f->sb.itable_start + (ino - 1) / BISCFS_INODES_PER_BLOCK;
}

static size_t
itable_offset(uint32_t ino)
{
	return (ino - 1) % BISCFS_INODES_PER_BLOCK * BISCFS_INODE_SIZE;
}

/* Read inode ino into *ip: 0 or -EIO. */
static int
read_inode(struct fsck *f, uint32_t ino, struct biscfs_inode *ip)
{
	struct buf *b;
	int err;

	if ((err = get_block(f, itable_block(f, ino), &b)) != 0)
		return err;
	memcpy(ip, b->data + itable_offset(ino), sizeof(*ip));
	brelse(b);
	return 0;
}

/* Write *ip as inode ino (checksum computed), when repairing. */
static void
write_inode(struct fsck *f, uint32_t ino, struct biscfs_inode *ip)
{
	struct buf *b;

	if (!f->repair || get_block(f, itable_block(f, ino), &b) != 0)
		return;
	ip->crc = biscfs_csum(ino, ip, sizeof(*ip),
	    offsetof(struct biscfs_inode, crc));
	memcpy(b->data + itable_offset(ino), ip, sizeof(*ip));
	put_dirty(f, b);
}

/* Make ino free on disk (mode 0), keeping its generation. */
static void
free_inode(struct fsck *f, uint32_t ino)
{
	struct biscfs_inode in;
	uint32_t gen = 0;

	if (read_inode(f, ino, &in) == 0)
		gen = in.generation;
	memset(&in, 0, sizeof(in));
	in.generation = gen;
	write_inode(f, ino, &in);
}

static bool
claim_free(const struct fsck *f, uint64_t blk, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (bitmap_test(f->claimed, blk + i))
			return false;
	return true;
}

/* Record and claim [pblk, +len) for the inode being walked. */
static bool
claim(struct fsck *f, uint32_t lblk, uint32_t len, uint64_t pblk)
{
	struct ext *e;

	if (!claim_free(f, pblk, len))
		return false;
	if (f->next == f->ext_max) {
		f->ext_overflow = true;
		return false;
	}
	e = &f->ext[f->next++];
	e->lblk = lblk;
	e->len = len;
	e->pblk = pblk;
	bitmap_set_range(f->claimed, pblk, len);
	f->walked_blocks += len;
	return true;
}

/* Claim extent node block blk (recorded with lblk UINT32_MAX). */
static bool
claim_node(struct fsck *f, uint64_t blk)
{
	if (!claim(f, 0, 1, blk))
		return false;
	f->ext[f->next - 1].lblk = UINT32_MAX;
	return true;
}

/* Give back what the walk of a rejected inode claimed. */
static void
unclaim_all(struct fsck *f)
{
	unsigned i;

	for (i = 0; i < f->next; i++)
		bitmap_clear_range(f->claimed, f->ext[i].pblk, f->ext[i].len);
	f->next = 0;
}

/*
 * Walk the node with header h (entries after it) covering logical
 * blocks [lo, hi): return NULL or what is wrong.
 */
static const char *
walk_node(struct fsck *f, uint32_t ino, const struct biscfs_extent_header *h,
    unsigned max, uint64_t lo, uint64_t hi, int depth_want, int level)
{
	const struct biscfs_extent *x = (const void *)(h + 1);
	const struct biscfs_extent_idx *ix = (const void *)(h + 1);
	uint64_t prev_end = lo, start, end;
	const char *why;
	struct buf *b;
	unsigned i;

	if (h->magic != BISCFS_EXTENT_MAGIC)
		return "extent node magic";
	if (h->max != max || h->count > max)
		return "extent node count";
	if (h->depth > BISCFS_MAX_DEPTH ||
	    (depth_want >= 0 && h->depth != (unsigned)depth_want))
		return "extent node depth";
	if (level > (int)BISCFS_MAX_DEPTH)
		return "extent tree too deep";
	for (i = 0; i < h->count; i++) {
		if (h->depth == 0) {
			end = (uint64_t)x[i].lblk + x[i].len;
			if (x[i].len == 0 || x[i].lblk < prev_end || end > hi)
				return "extents overlap or out of order";
			if (!in_data(f, x[i].pblk, x[i].len))
				return "extent outside the data area";
			if (!claim(f, x[i].lblk, x[i].len, x[i].pblk))
				return f->ext_overflow ? "too many extents" :
				    "block claimed twice";
			prev_end = end;
			continue;
		}
		/*
		 * The first entry's subtree covers from the node's own start
		 * (as ext4's): inserting below it need not rewrite its key.
		 */
		start = i == 0 ? lo : ix[i].lblk;
		end = i + 1 < h->count ? ix[i + 1].lblk : hi;
		if (ix[i].lblk < prev_end || end > hi || ix[i].lblk >= end)
			return "extent index out of order";
		if (!in_data(f, ix[i].child, 1))
			return "extent index outside the data area";
		if (!claim_node(f, ix[i].child))
			return f->ext_overflow ? "too many extents" :
			    "block claimed twice";
		if (get_block(f, ix[i].child, &b) != 0)
			return "extent node unreadable";
		why = NULL;
		{
			const struct biscfs_extent_header *ch = (const void *)b->data;

			if (ch->crc != biscfs_csum(ino, b->data, BISCFS_BLOCK_SIZE,
			    offsetof(struct biscfs_extent_header, crc)))
				why = "extent node checksum";
			else if (ch->owner != ino)
				why = "extent node owner";
			else
				why = walk_node(f, ino, ch,
				    BISCFS_EXTENTS_IN_BLOCK, start, end,
				    h->depth - 1, level + 1);
		}
		brelse(b);
		if (why != NULL)
			return why;
		prev_end = end;
	}
	return NULL;
}

/* Leaf extents only, sorted by lblk (nodes carry lblk UINT32_MAX). */
static const struct ext *
map_lblk(const struct fsck *f, uint32_t lblk)
{
	unsigned i;

	for (i = 0; i < f->next; i++)
		if (f->ext[i].lblk != UINT32_MAX && lblk >= f->ext[i].lblk &&
		    lblk - f->ext[i].lblk < f->ext[i].len)
			return &f->ext[i];
	return NULL;
}

static uint64_t
lblk_to_pblk(const struct fsck *f, uint32_t lblk)
{
	const struct ext *e = map_lblk(f, lblk);

	return e != NULL ? e->pblk + (lblk - e->lblk) : 0;
}

static bool
valid_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return true;
	}
	return false;
}

static bool
has_tree(const struct biscfs_inode *in)
{
	uint32_t t = in->mode & S_IFMT;

	return t == S_IFREG || t == S_IFDIR ||
	    (t == S_IFLNK && !(in->flags & BISCFS_IF_INLINE));
}

/*
 * Check inode ino (used: mode != 0) and claim its blocks: NULL when it
 * is good, else why it must be cleared.  Fixable details (the block
 * count) are fixed in *in, with *changed set.
 */
static const char *
check_inode(struct fsck *f, uint32_t ino, struct biscfs_inode *in,
    bool *changed)
{
	const struct biscfs_extent_header *h = (const void *)in->data;
	uint32_t t = in->mode & S_IFMT;
	const char *why;

	f->next = 0;
	f->ext_overflow = false;
	f->walked_blocks = 0;
	if (in->crc != biscfs_csum(ino, in, sizeof(*in),
	    offsetof(struct biscfs_inode, crc)))
		return "checksum mismatch";
	if (!valid_type(in->mode))
		return "unknown file type";
	if (ino == BISCFS_ROOT_INO && t != S_IFDIR)
		return "the root is not a directory";
	if ((in->flags & ~BISCFS_IF_INLINE) != 0 ||
	    ((in->flags & BISCFS_IF_INLINE) && t != S_IFLNK))
		return "unknown flags";
	if (t == S_IFLNK && (in->size == 0 || in->size >= BISCFS_BLOCK_SIZE ||
	    ((in->flags & BISCFS_IF_INLINE) && in->size >= BISCFS_INODE_DATA)))
		return "symlink length";
	if (t == S_IFREG && in->size > BISCFS_MAX_FILE_SIZE)
		return "file size";
	if (has_tree(in)) {
		if (h->owner != 0 || h->crc != 0)
			return "extent root header";
		why = walk_node(f, ino, h, BISCFS_EXTENTS_IN_INODE, 0,
		    BISCFS_MAX_FILE_BLOCKS, -1, 0);
		if (why != NULL) {
			unclaim_all(f);
			return why;
		}
		if (t == S_IFLNK && lblk_to_pblk(f, 0) == 0) {
			unclaim_all(f);
			return "symlink without its block";
		}
	}
	if (in->blocks != f->walked_blocks) {
		problem(f, "inode %u: block count %llu, should be %llu", ino,
		    (unsigned long long)in->blocks,
		    (unsigned long long)f->walked_blocks);
		in->blocks = f->walked_blocks;
		*changed = true;
	}
	return NULL;
}

/* Keep directory ino's extents (in f->ext) for the directory passes. */
static int
save_dir_extents(struct fsck *f, uint32_t ino)
{
	size_t n = f->next ? f->next : 1;

	kfree(f->dext[ino]);
	if ((f->dext[ino] = kmalloc(n * sizeof(struct ext))) == NULL)
		return -ENOMEM;
	memcpy(f->dext[ino], f->ext, f->next * sizeof(struct ext));
	f->dnext[ino] = f->next;
	return 0;
}

/* Pass over the inode table: state, type, nlink; claim every block. */
static int
scan_inodes(struct fsck *f)
{
	struct biscfs_inode in;
	const char *why;
	bool changed;
	uint32_t ino;
	int err;

	for (ino = 1; ino <= f->sb.ninodes; ino++) {
		if ((err = read_inode(f, ino, &in)) != 0)
			return err;
		if (in.mode == 0) {
			f->state[ino] = IS_FREE;
			continue;
		}
		changed = false;
		why = check_inode(f, ino, &in, &changed);
		if (why != NULL) {
			problem(f, "inode %u: %s; cleared", ino, why);
			f->state[ino] = IS_CLEARED;
			free_inode(f, ino);
			continue;
		}
		f->state[ino] = IS_USED;
		f->type[ino] = (uint16_t)(in.mode & S_IFMT);
		f->nlink[ino] = in.nlink;
		if (changed)
			write_inode(f, ino, &in);
		if (f->type[ino] == S_IFDIR &&
		    (err = save_dir_extents(f, ino)) != 0)
			return err;
	}
	return 0;
}

/*
 * Give back the blocks of inode ino's (checked) extent tree in the claim
 * map, when it is freed after the inode pass.
 */
static void
release_node(struct fsck *f, uint32_t ino, const struct biscfs_extent_header *h,
    int level)
{
	const struct biscfs_extent *x = (const void *)(h + 1);
	const struct biscfs_extent_idx *ix = (const void *)(h + 1);
	struct buf *b;
	unsigned i;

	for (i = 0; i < h->count && level <= (int)BISCFS_MAX_DEPTH; i++) {
		if (h->depth == 0) {
			if (in_data(f, x[i].pblk, x[i].len))
				bitmap_clear_range(f->claimed, x[i].pblk,
				    x[i].len);
			continue;
		}
		if (!in_data(f, ix[i].child, 1))
			continue;
		bitmap_clear(f->claimed, ix[i].child);
		if (get_block(f, ix[i].child, &b) != 0)
			continue;
		release_node(f, ino, (const void *)b->data, level + 1);
		brelse(b);
	}
}

static void
release_tree(struct fsck *f, uint32_t ino)
{
	struct biscfs_inode in;

	if (read_inode(f, ino, &in) == 0 && has_tree(&in))
		release_node(f, ino, (const void *)in.data, 0);
}

/* Point f->ext at directory ino's saved extents. */
static void
use_dir_extents(struct fsck *f, uint32_t ino)
{
	f->ext = f->dext[ino];
	f->next = f->dnext[ino];
}

/* Free directory ino's blocks in the claim map. */
static void
unclaim_dir(struct fsck *f, uint32_t ino)
{
	struct ext *save = f->ext;
	unsigned n = f->next;

	use_dir_extents(f, ino);
	unclaim_all(f);
	f->ext = save;
	f->next = n;
}

/* Clear directory ino (its structure is lost). */
static void
clear_dir(struct fsck *f, uint32_t ino)
{
	unclaim_dir(f, ino);
	f->dnext[ino] = 0;
	f->state[ino] = IS_CLEARED;
	free_inode(f, ino);
}

enum { PASS_STRUCT, PASS_COUNT, PASS_UNCOUNT };

/* ------------------------------------------------------------------ */
/* 4. Directories.                                                     */

static unsigned
ft_of(uint32_t t)
{
	switch (t) {
	case S_IFREG: return BISCFS_FT_REG;
	case S_IFDIR: return BISCFS_FT_DIR;
	case S_IFLNK: return BISCFS_FT_LNK;
	case S_IFCHR: return BISCFS_FT_CHR;
	case S_IFBLK: return BISCFS_FT_BLK;
	case S_IFIFO: return BISCFS_FT_FIFO;
	case S_IFSOCK: return BISCFS_FT_SOCK;
	}
	return BISCFS_FT_UNKNOWN;
}

/* Is e's name one a directory may hold? */
static bool
good_name(const struct biscfs_dirent *e)
{
	unsigned i;

	if (e->name_len == 0)
		return false;
	if (e->name[0] == '.' && (e->name_len == 1 ||
	    (e->name_len == 2 && e->name[1] == '.')))
		return false;
	for (i = 0; i < e->name_len; i++)
		if (e->name[i] == '/' || e->name[i] == '\0')
			return false;
	return true;
}

/* e's name for a report: printable, damaged bytes as '?'. */
static const char *
shown_name(const struct biscfs_dirent *e, char *buf)
{
	unsigned i;

	for (i = 0; i < e->name_len; i++)
		buf[i] = e->name[i] >= 0x20 && e->name[i] < 0x7f ?
		    e->name[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Why entry e of directory dir (bucket prefix under mask) is wrong, or NULL. */
static const char *
entry_fault(struct fsck *f, uint32_t dir, const struct biscfs_dirent *e,
    uint64_t mask, uint64_t prefix, int pass)
{
	if (!good_name(e))
		return "bad name";
	if (e->hash != biscfs_dir_hash(f->sb.dir_hash_seed, e->name,
	    e->name_len))
		return "hash does not match the name";
	if ((e->hash & mask) != prefix)
		return "in the wrong bucket";
	if (e->ino == 0 || e->ino > f->sb.ninodes)
		return "inode number out of range";
	if (f->state[e->ino] != IS_USED)
		return "names a free or cleared inode";
	if (e->ino == BISCFS_ROOT_INO)
		return "names the root";
	if (f->type[e->ino] == S_IFDIR &&
	    f->parent[e->ino] != (pass == PASS_UNCOUNT ? dir : 0))
		return "second name of a directory";
	return NULL;
}

/* Count (or uncount) good entry e of directory dir. */
static void
count_entry(struct fsck *f, uint32_t dir, const struct biscfs_dirent *e,
    int pass)
{
	if (pass == PASS_UNCOUNT) {
		f->refs[e->ino]--;
		if (f->type[e->ino] == S_IFDIR) {
			f->parent[e->ino] = 0;
			f->subdirs[dir]--;
		}
		return;
	}
	f->refs[e->ino]++;
	if (f->type[e->ino] == S_IFDIR) {
		f->parent[e->ino] = dir;
		f->subdirs[dir]++;
	}
}

/*
 * The entries of bucket block bd (prefix of local depth L) of directory
 * dir.  PASS_COUNT reports and drops bad ones (*rewrite then set) and
 * returns the count kept; PASS_UNCOUNT takes back what COUNT counted.
 */
static unsigned
bucket_entries(struct fsck *f, uint32_t dir, uint8_t *bd, unsigned L,
    uint64_t prefix, int pass, bool *rewrite)
{
	struct biscfs_bucket *bk = (void *)bd;
	uint8_t *out = f->bucket_out;
	char *shown = f->shown;
	unsigned off = 0, keep = 0, used = 0, n = 0;
	struct biscfs_dirent *e;
	const char *why;
	uint64_t mask;
	bool quiet = pass == PASS_UNCOUNT;

	mask = L == 0 ? 0 : (~0ull << (BISCFS_HASH_BITS - L)) &
	    ((1ull << BISCFS_HASH_BITS) - 1);
	while (off + 16 <= bk->used) {
		e = (void *)(bd + BISCFS_BUCKET_HDR + off);
		if (e->rec_len < BISCFS_DIRENT_LEN(e->name_len) ||
		    (e->rec_len & 7) != 0 || off + e->rec_len > bk->used) {
			if (!quiet)
				problem(f, "directory %u: entry at byte %u: "
				    "bad record length; rest of the bucket "
				    "dropped", dir, off);
			*rewrite = true;
			break;
		}
		n++;
		why = entry_fault(f, dir, e, mask, prefix, pass);
		if (why != NULL) {
			if (!quiet)
				problem(f, "directory %u: entry \"%s\" "
				    "(inode %u): %s; removed", dir,
				    shown_name(e, shown), e->ino, why);
			*rewrite = true;
		} else {
			if (!quiet && e->type != ft_of(f->type[e->ino])) {
				problem(f, "directory %u: entry \"%s\": "
				    "type %u, should be %u", dir,
				    shown_name(e, shown), e->type,
				    ft_of(f->type[e->ino]));
				e->type = (uint8_t)ft_of(f->type[e->ino]);
				*rewrite = true;
			}
			count_entry(f, dir, e, pass);
			memcpy(out + used, e, e->rec_len);
			used += e->rec_len;
			keep++;
		}
		off += e->rec_len;
	}
	if (quiet)
		return keep;
	if (!*rewrite && (n != bk->count || off != bk->used)) {
		problem(f, "directory %u: bucket entry count or length wrong",
		    dir);
		*rewrite = true;
	}
	if (*rewrite) {
		bk->count = (uint16_t)keep;
		bk->used = (uint16_t)used;
		memcpy(bd + BISCFS_BUCKET_HDR, out, used);
		memset(bd + BISCFS_BUCKET_HDR + used, 0,
		    BISCFS_BUCKET_SPACE - used);
	}
	return keep;
}

/* Make b an empty bucket of dir (local depth L, prefix), dirty. */
static void
empty_bucket_in(struct buf *b, uint32_t dir, unsigned L, uint64_t prefix,
    uint32_t next)
{
	struct biscfs_bucket *bk;

	memset(b->data, 0, BISCFS_BLOCK_SIZE);
	bk = (void *)b->data;
	bk->magic = BISCFS_BUCKET_MAGIC;
	bk->owner = dir;
	bk->next = next;
	bk->depth = (uint16_t)L;
	bk->prefix = prefix;
	bk->crc = biscfs_csum(dir, b->data, BISCFS_BLOCK_SIZE,
	    offsetof(struct biscfs_bucket, crc));
	bdirty(b);
}

/* Write an empty bucket (local depth L, prefix) over logical block lb. */
static void
empty_bucket(struct fsck *f, uint32_t dir, uint32_t lb, unsigned L,
    uint64_t prefix, uint32_t next)
{
	uint64_t pblk = lblk_to_pblk(f, lb);
	struct buf *b;

	if (!f->repair || pblk == 0)
		return;
	b = bget(f->d, pblk);
	empty_bucket_in(b, dir, L, prefix, next);
	brelse(b);
}

/* End the overflow chain at the bucket in block pblk (its next was bad). */
static void
cut_chain(struct fsck *f, uint32_t dir, uint64_t pblk)
{
	struct biscfs_bucket *bk;
	struct buf *b;

	if (!f->repair || get_block(f, pblk, &b) != 0)
		return;
	bk = (void *)b->data;
	bk->next = 0;
	bk->crc = biscfs_csum(dir, b->data, BISCFS_BLOCK_SIZE,
	    offsetof(struct biscfs_bucket, crc));
	put_dirty(f, b);
}

/*
 * PASS_STRUCT on one bucket block: fix what its place tells (local
 * depth, prefix, a next that leaves the directory); false when the
 * block is no bucket of dir at all (it is emptied then).
 */
static bool
bucket_header_ok(struct fsck *f, uint32_t dir, uint32_t lb, struct buf *b,
    unsigned L, uint64_t prefix, uint32_t nlb)
{
	struct biscfs_bucket *bk = (void *)b->data;

	if (bk->magic != BISCFS_BUCKET_MAGIC || bk->owner != dir ||
	    bk->used > BISCFS_BUCKET_SPACE) {
		problem(f, "directory %u: bucket block %u header damaged; its "
		    "names are lost", dir, lb);
		/* b is that block, held: bget'ing it again would deadlock. */
		if (f->repair)
			empty_bucket_in(b, dir, L, prefix, 0);
		return false;
	}
	if (bk->depth == L && bk->prefix == prefix &&
	    (bk->next == 0 || bk->next < nlb))
		return true;
	problem(f, "directory %u: bucket block %u: depth, prefix or next "
	    "wrong", dir, lb);
	bk->depth = (uint16_t)L;
	bk->prefix = prefix;
	if (bk->next >= nlb)
		bk->next = 0;
	bk->crc = biscfs_csum(dir, b->data, BISCFS_BLOCK_SIZE,
	    offsetof(struct biscfs_bucket, crc));
	if (f->repair)
		bdirty(b);
	return true;
}

/*
 * One bucket and its overflow chain, from logical block lb (nlb: the
 * directory's logical size; seen marks blocks met, PASS_STRUCT only).
 * Returns the entries kept.  PASS_STRUCT checks and repairs the block
 * headers and the chain; the other passes read entries, trusting the
 * table for the local depth and prefix and stopping at a bad block.
 */
static uint64_t
walk_bucket(struct fsck *f, uint32_t dir, uint32_t lb, unsigned L,
    uint64_t prefix, uint8_t *seen, uint32_t nlb, int pass)
{
	struct biscfs_bucket *bk;
	uint64_t pblk, prev = 0, kept = 0;
	uint32_t hops = 0, next;
	bool rewrite;
	struct buf *b;

	for (; lb != 0; prev = pblk, lb = next) {
		pblk = lb < nlb ? lblk_to_pblk(f, lb) : 0;
		if (pass == PASS_STRUCT && (pblk == 0 || seen[lb])) {
			/* The table's own slot was checked by the caller. */
			problem(f, "directory %u: bucket chain loops or leaves "
			    "the directory at block %u; cut", dir, lb);
			if (prev != 0)
				cut_chain(f, dir, prev);
			return kept;
		}
		if (pblk == 0 || ++hops > nlb)
			return kept;
		if (seen != NULL)
			seen[lb] = 1;
		if (get_block(f, pblk, &b) != 0)
			return kept;
		bk = (void *)b->data;
		if (pass == PASS_STRUCT) {
			if (!bucket_header_ok(f, dir, lb, b, L, prefix, nlb)) {
				brelse(b);
				return kept;
			}
			next = bk->next;
			brelse(b);
			continue;
		}
		if (bk->magic != BISCFS_BUCKET_MAGIC || bk->owner != dir ||
		    bk->used > BISCFS_BUCKET_SPACE) {
			brelse(b);
			return kept;
		}
		next = bk->next;
		rewrite = false;
		if (pass == PASS_COUNT && bk->crc != biscfs_csum(dir, b->data,
		    BISCFS_BLOCK_SIZE, offsetof(struct biscfs_bucket, crc))) {
			problem(f, "directory %u: bucket block %u checksum "
			    "mismatch; its entries rechecked", dir, lb);
			rewrite = true;
		}
		kept += bucket_entries(f, dir, b->data, L, prefix, pass,
		    &rewrite);
		if (pass == PASS_COUNT && rewrite) {
			bk->crc = biscfs_csum(dir, b->data, BISCFS_BLOCK_SIZE,
			    offsetof(struct biscfs_bucket, crc));
			put_dirty(f, b);
		} else {
			brelse(b);
		}
	}
	return kept;
}

/*
 * Directory dir (its extents in f->ext) in one pass: PASS_STRUCT
 * returns false when the header or bucket table cannot be trusted.
 */
static bool
walk_dir(struct fsck *f, uint32_t dir, int pass)
{
	struct biscfs_dir_header *hd;
	uint32_t nlb = 0, slot, span, lb, nslots;
	uint64_t pblk, prefix, kept = 0;
	uint8_t *seen = NULL;
	struct buf *b;
	unsigned i, L;
	bool ok = true;

	for (i = 0; i < f->next; i++)
		if (f->ext[i].lblk != UINT32_MAX &&
		    f->ext[i].lblk + f->ext[i].len > nlb)
			nlb = f->ext[i].lblk + f->ext[i].len;
	if ((pblk = lblk_to_pblk(f, 0)) == 0) {
		if (pass == PASS_STRUCT)
			problem(f, "directory %u: no header block", dir);
		return false;
	}
	if (get_block(f, pblk, &b) != 0)
		return false;
	hd = (void *)b->data;
	if (hd->magic != BISCFS_DIR_MAGIC || hd->owner != dir ||
	    hd->depth > BISCFS_DIR_MAX_DEPTH) {
		if (pass == PASS_STRUCT)
			problem(f, "directory %u: header damaged", dir);
		brelse(b);
		return false;
	}
	if (pass == PASS_STRUCT && (seen = kzalloc(nlb + 1)) == NULL) {
		brelse(b);
		f->err = -ENOMEM;
		return true;
	}
	if (seen != NULL)
		seen[0] = 1;
	nslots = 1u << hd->depth;
	/* Each bucket: 2^(depth - L) consecutive slots, aligned. */
	for (slot = 0; slot < nslots; slot += span) {
		lb = hd->table[slot];
		for (span = 1; slot + span < nslots &&
		    hd->table[slot + span] == lb; span++)
			;
		if (pass == PASS_STRUCT && (lb == 0 || lb >= nlb ||
		    seen[lb] || (span & (span - 1)) != 0 ||
		    slot % span != 0)) {
			problem(f, "directory %u: bucket table slot %u is "
			    "wrong", dir, slot);
			ok = false;
			break;
		}
		for (L = hd->depth; (1u << (hd->depth - L)) < span; L--)
			;
		prefix = L == 0 ? 0 : ((uint64_t)slot >> (hd->depth - L)) <<
		    (BISCFS_HASH_BITS - L);
		kept += walk_bucket(f, dir, lb, L, prefix, seen, nlb, pass);
	}
	kfree(seen);
	if (pass == PASS_COUNT) {
		bool dirty = false;

		if (hd->crc != biscfs_csum(dir, b->data, BISCFS_BLOCK_SIZE,
		    offsetof(struct biscfs_dir_header, crc))) {
			problem(f, "directory %u: header checksum mismatch",
			    dir);
			dirty = true;
		}
		if (hd->nentries != kept) {
			problem(f, "directory %u: entry count %llu, should be "
			    "%llu", dir, (unsigned long long)hd->nentries,
			    (unsigned long long)kept);
			hd->nentries = kept;
			dirty = true;
		}
		if (dirty) {
			hd->crc = biscfs_csum(dir, b->data, BISCFS_BLOCK_SIZE,
			    offsetof(struct biscfs_dir_header, crc));
			put_dirty(f, b);
			return ok;
		}
	}
	brelse(b);
	return ok;
}

/* Make ino an empty directory in fresh blocks (the root, after damage). */
static int
make_empty_dir(struct fsck *f, uint32_t ino, uint32_t parent)
{
	struct biscfs_extent_header *h;
	struct biscfs_dir_header *hd;
	struct biscfs_extent *x;
	struct biscfs_inode in;
	uint64_t blk, now;
	struct buf *b;
	int err;

	blk = bitmap_find_zero_run(f->claimed, f->sb.nblocks,
	    f->sb.data_start, 2);
	if (blk >= f->sb.nblocks) {
		note(f, "no room to make directory %u again", ino);
		return -ENOSPC;
	}
	bitmap_set_range(f->claimed, blk, 2);
	f->next = 0;
	f->ext[f->next++] = (struct ext){ 0, 2, blk };
	if ((err = save_dir_extents(f, ino)) != 0)
		return err;
	if (f->repair) {
		b = bget(f->d, blk);
		memset(b->data, 0, BISCFS_BLOCK_SIZE);
		hd = (void *)b->data;
		hd->magic = BISCFS_DIR_MAGIC;
		hd->owner = ino;
		hd->parent = parent;
		hd->depth = 0;
		hd->nbuckets = 1;
		hd->table[0] = 1;
		hd->crc = biscfs_csum(ino, b->data, BISCFS_BLOCK_SIZE,
		    offsetof(struct biscfs_dir_header, crc));
		bdirty(b);
		brelse(b);
	}
	empty_bucket(f, ino, 1, 0, 0, 0);
	memset(&in, 0, sizeof(in));
	now = time_realtime_ns() / 1000000000u;
	in.mode = S_IFDIR | 0755;
	in.nlink = 2;
	in.size = 2 * BISCFS_BLOCK_SIZE;
	in.blocks = 2;
	in.atime = in.mtime = in.ctime = in.crtime = (int64_t)now;
	h = (void *)in.data;
	h->magic = BISCFS_EXTENT_MAGIC;
	h->count = 1;
	h->max = BISCFS_EXTENTS_IN_INODE;
	x = (void *)(h + 1);
	x->lblk = 0;
	x->len = 2;
	x->pblk = blk;
	write_inode(f, ino, &in);
	f->state[ino] = IS_USED;
	f->type[ino] = S_IFDIR;
	f->nlink[ino] = 2;
	return 0;
}

/* Every directory, in pass. */
static int
dirs_pass(struct fsck *f, int pass)
{
	struct ext *scratch = f->ext;
	uint32_t ino;
	int err = 0;

	for (ino = 1; ino <= f->sb.ninodes && err == 0; ino++) {
		if (f->state[ino] != IS_USED || f->type[ino] != S_IFDIR)
			continue;
		use_dir_extents(f, ino);
		if (walk_dir(f, ino, pass) || pass != PASS_STRUCT) {
			f->ext = scratch;
			continue;
		}
		f->ext = scratch;
		clear_dir(f, ino);
		if (ino == BISCFS_ROOT_INO) {
			problem(f, "root directory lost; made again, empty");
			err = make_empty_dir(f, ino, ino);
			f->ext = scratch;
		} else {
			problem(f, "directory %u: cleared", ino);
		}
	}
	f->ext = scratch;
	return err != 0 ? err : f->err;
}

/* ------------------------------------------------------------------ */
/* 5. Reachability; 6. link counts; the orphan list.                   */

/* Is directory ino reached from the root through the parent links? */
static bool
dir_reached(struct fsck *f, uint32_t ino)
{
	uint32_t p = ino, steps = 0, q;
	uint8_t verdict;

	while (f->reach[p] == R_UNKNOWN && steps++ <= f->sb.ninodes) {
		f->reach[p] = R_VISITING;
		if (p == BISCFS_ROOT_INO) {
			f->reach[p] = R_YES;
			break;
		}
		if ((q = f->parent[p]) == 0 || f->state[q] != IS_USED)
			break;
		p = q;
	}
	verdict = f->reach[p] == R_YES ? R_YES : R_NO;
	/* Everything on the way shares the verdict. */
	for (p = ino; f->reach[p] == R_VISITING; p = f->parent[p]) {
		f->reach[p] = verdict;
		if (f->parent[p] == 0)
			break;
	}
	return verdict == R_YES;
}

/* Orphan list: which inodes it holds (marked in reach[] of non-dirs). */
static void
walk_orphans(struct fsck *f, uint8_t *on_list)
{
	struct biscfs_inode in;
	uint32_t ino = f->sb.orphan_head, n = 0;

	while (ino != 0) {
		if (ino > f->sb.ninodes || on_list[ino] ||
		    f->state[ino] != IS_USED || ++n > f->sb.ninodes) {
			problem(f, "orphan list: bad link to inode %u; list "
			    "dropped", ino);
			f->sb.orphan_head = 0;
			f->sb_dirty = true;
			return;
		}
		on_list[ino] = 1;
		if (read_inode(f, ino, &in) != 0)
			return;
		ino = in.orphan_next;
	}
}

/* Free every inode nothing reaches; set link counts. */
static int
link_pass(struct fsck *f)
{
	struct biscfs_inode in;
	struct ext *scratch = f->ext;
	uint8_t *on_list;
	uint32_t ino, want;

	if ((on_list = kzalloc(f->sb.ninodes + 1)) == NULL)
		return -ENOMEM;
	walk_orphans(f, on_list);
	/*
	 * Unreachable inodes are freed; those on the orphan list with no
	 * links are no error (a crash while they were open), and a check
	 * without repair leaves them to the mount, which frees them.
	 * Directories go first: their names come off the counts.
	 */
	for (ino = 1; ino <= f->sb.ninodes; ino++) {
		if (f->state[ino] != IS_USED || f->type[ino] != S_IFDIR ||
		    dir_reached(f, ino))
			continue;
		if (on_list[ino] && f->nlink[ino] == 0) {
			f->res->orphans++;
			on_list[ino] = 2;	/* a true orphan */
			if (!f->repair)
				continue;
		} else {
			problem(f, "directory %u: not reachable from the root; "
			    "freed", ino);
		}
		use_dir_extents(f, ino);
		walk_dir(f, ino, PASS_UNCOUNT);
		f->ext = scratch;
		clear_dir(f, ino);
	}
	for (ino = 1; ino <= f->sb.ninodes; ino++) {
		if (f->state[ino] != IS_USED || f->type[ino] == S_IFDIR ||
		    f->refs[ino] != 0)
			continue;
		if (on_list[ino] && f->nlink[ino] == 0) {
			f->res->orphans++;
			on_list[ino] = 2;
			if (!f->repair)
				continue;
		} else {
			problem(f, "inode %u: no name in any directory; freed",
			    ino);
		}
		release_tree(f, ino);
		f->state[ino] = IS_CLEARED;
		free_inode(f, ino);
	}
	if (f->res->orphans > 0) {
		note(f, "%u orphan inodes%s", f->res->orphans,
		    f->repair ? ": freed" : " (a mount frees them)");
	}
	if (f->sb.orphan_head != 0 && f->repair) {
		f->sb.orphan_head = 0;
		f->sb_dirty = true;
	}
	/* Link counts of what stays. */
	for (ino = 1; ino <= f->sb.ninodes; ino++) {
		if (f->state[ino] != IS_USED || on_list[ino] == 2)
			continue;
		want = f->type[ino] == S_IFDIR ? 2 + f->subdirs[ino] :
		    f->refs[ino];
		if (f->nlink[ino] == want && !on_list[ino])
			continue;
		if (read_inode(f, ino, &in) != 0)
			break;
		if (f->nlink[ino] != want)
			problem(f, "inode %u: link count %u, should be %u", ino,
			    f->nlink[ino], want);
		else
			problem(f, "inode %u: on the orphan list with names",
			    ino);
		in.nlink = want;
		in.orphan_next = 0;
		f->nlink[ino] = want;
		write_inode(f, ino, &in);
	}
	kfree(on_list);
	return f->err;
}

/* A directory header's ".." must name the directory holding it. */
static int
parents_pass(struct fsck *f)
{
	struct biscfs_dir_header *hd;
	struct ext *scratch = f->ext;
	uint32_t ino, want;
	uint64_t pblk;
	struct buf *b;

	for (ino = 1; ino <= f->sb.ninodes; ino++) {
		if (f->state[ino] != IS_USED || f->type[ino] != S_IFDIR)
			continue;
		want = ino == BISCFS_ROOT_INO ? ino : f->parent[ino];
		use_dir_extents(f, ino);
		pblk = lblk_to_pblk(f, 0);
		f->ext = scratch;
		if (pblk == 0 || get_block(f, pblk, &b) != 0)
			continue;
		hd = (void *)b->data;
		if (hd->parent == want) {
			brelse(b);
			continue;
		}
		problem(f, "directory %u: \"..\" is %u, should be %u", ino,
		    hd->parent, want);
		hd->parent = want;
		hd->crc = biscfs_csum(ino, b->data, BISCFS_BLOCK_SIZE,
		    offsetof(struct biscfs_dir_header, crc));
		put_dirty(f, b);
	}
	return f->err;
}

/* ------------------------------------------------------------------ */
/* 7. Bitmaps; 8. the superblock's counts.                             */

/*
 * Compare the on-disk bitmap at [start, +len) with want(i) for bits
 * 0..nbits-1; rewrite it when repairing.  Returns mismatches.
 */
static uint64_t
check_bitmap(struct fsck *f, uint64_t start, uint64_t len, uint64_t nbits,
    bool (*want)(struct fsck *, uint64_t), uint64_t *set_bits,
    uint64_t *extra, uint64_t *missing)
{
	uint64_t blk, bit, i, bad = 0;
	struct buf *b;
	bool w, have, changed;

	for (blk = 0; blk < len; blk++) {
		if (get_block(f, start + blk, &b) != 0)
			return bad;
		changed = false;
		for (i = 0; i < BITS_PER_BLOCK; i++) {
			bit = blk * BITS_PER_BLOCK + i;
			if (bit >= nbits)
				break;
			w = want(f, bit);
			have = (b->data[i / 8] >> (i % 8)) & 1;
			*set_bits += w;
			if (w == have)
				continue;
			bad++;
			if (w)
				(*missing)++;
			else
				(*extra)++;
			if (w)
				b->data[i / 8] |= (uint8_t)(1u << (i % 8));
			else
				b->data[i / 8] &= (uint8_t)~(1u << (i % 8));
			changed = true;
		}
		if (changed)
			put_dirty(f, b);
		else
			brelse(b);
	}
	return bad;
}

static bool
inode_in_use(struct fsck *f, uint64_t bit)
{
	return f->state[bit + 1] == IS_USED;
}

static bool
block_in_use(struct fsck *f, uint64_t bit)
{
	return bit < f->sb.data_start || bitmap_test(f->claimed, bit);
}

static int
bitmaps_pass(struct fsck *f)
{
	uint64_t used_i = 0, used_b = 0, extra = 0, missing = 0;

	if (check_bitmap(f, f->sb.ibitmap_start, f->sb.ibitmap_len,
	    f->sb.ninodes, inode_in_use, &used_i, &extra, &missing) != 0)
		problem(f, "inode bitmap: %llu in use but marked free, %llu "
		    "free but marked in use", (unsigned long long)missing,
		    (unsigned long long)extra);
	extra = missing = 0;
	if (check_bitmap(f, f->sb.bbitmap_start, f->sb.bbitmap_len,
	    f->sb.nblocks, block_in_use, &used_b, &extra, &missing) != 0)
		problem(f, "block bitmap: %llu in use but marked free, %llu "
		    "free but marked in use", (unsigned long long)missing,
		    (unsigned long long)extra);
	f->res->inodes_used = used_i;
	f->res->blocks_used = used_b;
	if (f->sb.free_inodes != f->sb.ninodes - used_i ||
	    f->sb.free_blocks != f->sb.nblocks - used_b) {
		/*
		 * Hints (mount recounts them), as e2fsck treats its summary
		 * counts: noted and rewritten, not an error.
		 */
		if (f->sb.state == BISCFS_STATE_CLEAN)
			note(f, "superblock: free counts %llu blocks, %llu "
			    "inodes; the bitmaps say %llu, %llu",
			    (unsigned long long)f->sb.free_blocks,
			    (unsigned long long)f->sb.free_inodes,
			    (unsigned long long)(f->sb.nblocks - used_b),
			    (unsigned long long)(f->sb.ninodes - used_i));
		f->sb.free_inodes = f->sb.ninodes - used_i;
		f->sb.free_blocks = f->sb.nblocks - used_b;
		f->sb_dirty = true;
	}
	return f->err;
}

/* ------------------------------------------------------------------ */

static void
fsck_free(struct fsck *f)
{
	uint32_t i;

	if (f->dext != NULL)
		for (i = 0; i <= f->sb.ninodes; i++)
			kfree(f->dext[i]);
	kfree(f->dext);
	kfree(f->dnext);
	kfree(f->state);
	kfree(f->type);
	kfree(f->nlink);
	kfree(f->refs);
	kfree(f->parent);
	kfree(f->subdirs);
	kfree(f->reach);
	kfree(f->claimed);
	kfree(f->ext);
}

static int
fsck_alloc(struct fsck *f)
{
	size_t n = (size_t)f->sb.ninodes + 1;

	f->ext_max = 65536;
	f->state = kzalloc(n);
	f->type = kzalloc(n * sizeof(*f->type));
	f->nlink = kzalloc(n * sizeof(*f->nlink));
	f->refs = kzalloc(n * sizeof(*f->refs));
	f->parent = kzalloc(n * sizeof(*f->parent));
	f->subdirs = kzalloc(n * sizeof(*f->subdirs));
	f->reach = kzalloc(n);
	f->dext = kzalloc(n * sizeof(*f->dext));
	f->dnext = kzalloc(n * sizeof(*f->dnext));
	f->claimed = kzalloc(ROUNDUP(f->sb.nblocks, 64) / 8);
	f->ext = kmalloc(f->ext_max * sizeof(*f->ext));
	if (f->state == NULL || f->type == NULL || f->nlink == NULL ||
	    f->refs == NULL || f->parent == NULL || f->subdirs == NULL ||
	    f->reach == NULL || f->dext == NULL || f->dnext == NULL ||
	    f->claimed == NULL || f->ext == NULL)
		return -ENOMEM;
	return 0;
}

static int
fsck_run(struct fsck *f)
{
	int err;

	if ((err = check_super(f)) != 0)
		return err;
	if ((err = write_super(f)) != 0)
		return err;
	if ((err = replay_journal(f)) != 0)
		return err;
	/* Recovery may have written the superblock: read it again. */
	if (f->res->replayed > 0 || f->repair) {
		f->sb_dirty = false;
		if ((err = check_super(f)) != 0)
			return err;
	}
	if (f->sb.state != BISCFS_STATE_CLEAN)
		note(f, "was not unmounted cleanly");
	if ((err = fsck_alloc(f)) != 0)
		return err;
	if ((err = scan_inodes(f)) != 0)
		return err;
	if (f->state[BISCFS_ROOT_INO] != IS_USED ||
	    f->type[BISCFS_ROOT_INO] != S_IFDIR) {
		problem(f, "root inode lost; made again, empty");
		if ((err = make_empty_dir(f, BISCFS_ROOT_INO,
		    BISCFS_ROOT_INO)) != 0)
			return err;
	}
	if ((err = dirs_pass(f, PASS_STRUCT)) != 0 ||
	    (err = dirs_pass(f, PASS_COUNT)) != 0 ||
	    (err = link_pass(f)) != 0 ||
	    (err = parents_pass(f)) != 0 ||
	    (err = bitmaps_pass(f)) != 0)
		return err;
	if (f->repair && f->sb.state != BISCFS_STATE_CLEAN) {
		f->sb.state = BISCFS_STATE_CLEAN;
		f->sb_dirty = true;
	}
	return write_super(f);
}

int
biscfs_fsck(struct blkdev *d, const struct biscfs_fsck_opts *opts,
    struct biscfs_fsck_result *res)
{
	struct fsck *f;
	int err, serr;

	memset(res, 0, sizeof(*res));
	if (opts->repair && d->readonly)
		return -EROFS;
	if ((f = kzalloc(sizeof(*f))) == NULL)
		return -ENOMEM;
	f->d = d;
	f->o = opts;
	f->res = res;
	f->repair = opts->repair;
	err = fsck_run(f);
	res->nblocks = f->sb.nblocks;
	res->ninodes = f->sb.ninodes;
	fsck_free(f);
	kfree(f);
	serr = bcache_sync(d);
	bcache_invalidate(d);
	return err != 0 ? err : serr;
}
