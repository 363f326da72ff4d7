/*
 * biscfs directories: extendible hashing over a 62-bit name hash.
 *
 * A directory (fs/biscfs_format.h) is a header block, logical block 0,
 * holding the bucket table, and bucket blocks of packed entries.  A
 * name's bucket is table[top `depth` bits of its hash], so a lookup
 * reads two blocks (plus overflow blocks, rare) whatever the size of
 * the directory.  A full bucket splits by its next hash bit into itself
 * and a new block appended to the directory, doubling the table first
 * when its local depth equals the global one; at the largest table, or
 * when a split freed no room (names whose hashes share more bits), the
 * bucket grows an overflow block instead.  Removing a name packs its
 * block; blocks are never given back (as ext4's), until the directory
 * itself goes.
 *
 * getdents64 lists in hash order with the cookie hash + 2 (fs/vfs.h's
 * 0 and 1 are "." and ".."): the table is in prefix order, so walking
 * it visits buckets in ascending hash ranges, and inside a bucket the
 * next entry is the smallest hash not yet listed.  Splits move entries
 * between blocks but never change that order, so a listing in progress
 * neither skips nor repeats a name that stays.  Two names whose 62-bit
 * hashes collide in one directory would share a cookie; a listing cut
 * between them would skip the second (odds 2^-62 per pair).
 *
 * Every block is metadata: changed in the caller's transaction, with
 * its checksum (seeded by the directory's inode number) set before it
 * is handed to the journal.
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "lib/string.h"

#define TABLE_MAX	(1u << BISCFS_DIR_MAX_DEPTH)
#define CRC_OFF		4u	/* both headers: magic, then crc */
#define COOKIE_END	(2ull + (1ull << BISCFS_HASH_BITS))

static uint64_t
name_hash(struct inode *dir, const char *name, size_t len)
{
	return biscfs_dir_hash(BI(dir)->fs->sb.dir_hash_seed, name, len);
}

static unsigned
slot_of(uint32_t depth, uint64_t hash)
{
	return depth == 0 ? 0 : (unsigned)(hash >> (BISCFS_HASH_BITS - depth));
}

static void
dblk_dirty(struct btx *tx, struct inode *dir, struct buf *b)
{
	uint32_t crc = biscfs_csum(INO(dir), b->data, BISCFS_BLOCK_SIZE,
	    CRC_OFF);

	memcpy(b->data + CRC_OFF, &crc, 4);
	tx_dirty(tx, b);
}

/* Directory block lblk, read and checked (magic, owner, crc). */
static int
dblk_read(struct inode *dir, uint32_t lblk, uint32_t magic, struct buf **out)
{
	struct biscfs *fs = BI(dir)->fs;
	uint32_t m, crc, owner;
	uint64_t pblk;
	struct buf *b;
	int err;

	if ((uint64_t)lblk * BISCFS_BLOCK_SIZE >= dir->size)
		return biscfs_corrupt(fs, INO(dir), lblk,
		    "directory block past the end");
	if ((err = bmap_lookup(dir, lblk, &pblk)) != 0)
		return err;
	if (pblk == 0)
		return biscfs_corrupt(fs, INO(dir), lblk, "hole in directory");
	if ((err = biscfs_bread(fs, pblk, &b)) != 0)
		return err;
	memcpy(&m, b->data, 4);
	memcpy(&crc, b->data + CRC_OFF, 4);
	memcpy(&owner, b->data + 8, 4);
	if (m != magic || owner != INO(dir) || (!(b->flags & B_CHECKED) &&
	    crc != biscfs_csum(INO(dir), b->data, BISCFS_BLOCK_SIZE,
	    CRC_OFF))) {
		brelse(b);
		return biscfs_corrupt(fs, INO(dir), pblk,
		    "bad directory block");
	}
	/* dblk_dirty keeps the crc current from here on */
	__atomic_or_fetch(&b->flags, B_CHECKED, __ATOMIC_RELAXED);
	*out = b;
	return 0;
}

static int
hdr_read(struct inode *dir, struct buf **out)
{
	struct biscfs_dir_header *h;
	int err;

	if ((err = dblk_read(dir, 0, BISCFS_DIR_MAGIC, out)) != 0)
		return err;
	h = (void *)(*out)->data;
	if (h->depth > BISCFS_DIR_MAX_DEPTH) {
		uint64_t blkno = (*out)->blkno;	/* not after brelse */

		brelse(*out);
		return biscfs_corrupt(BI(dir)->fs, INO(dir), blkno,
		    "bad directory depth");
	}
	return 0;
}

static int
bucket_read(struct inode *dir, uint32_t lblk, struct buf **out)
{
	struct biscfs_bucket *k;
	int err;

	if (lblk == 0)
		return biscfs_corrupt(BI(dir)->fs, INO(dir), 0,
		    "bucket at the header");
	if ((err = dblk_read(dir, lblk, BISCFS_BUCKET_MAGIC, out)) != 0)
		return err;
	k = (void *)(*out)->data;
	if (k->used > BISCFS_BUCKET_SPACE || (k->used & 7) != 0 ||
	    k->depth > BISCFS_DIR_MAX_DEPTH) {
		brelse(*out);
		return biscfs_corrupt(BI(dir)->fs, INO(dir), lblk,
		    "bad bucket header");
	}
	return 0;
}

static struct biscfs_dirent *
ent_at(struct buf *b, size_t off)
{
	return (struct biscfs_dirent *)(b->data + BISCFS_BUCKET_HDR + off);
}

/* A sane entry at off of bucket b (used bytes)?  Else corruption. */
static bool
ent_ok(struct buf *b, size_t off, size_t used)
{
	struct biscfs_dirent *e = ent_at(b, off);

	/* Records are 8-byte multiples: the next entry stays aligned. */
	return off + 16 <= used && e->rec_len >= BISCFS_DIRENT_LEN(1) &&
	    (e->rec_len & 7) == 0 &&
	    off + e->rec_len <= used && e->name_len > 0 &&
	    BISCFS_DIRENT_LEN(e->name_len) <= e->rec_len;
}

/*
 * Find name in the chain starting at bucket lblk: 0 with *bp (locked)
 * and *offp, or -ENOENT (nothing held).
 */
static int
chain_find(struct inode *dir, uint32_t lblk, uint64_t hash, const char *name,
    size_t len, struct buf **bp, size_t *offp)
{
	struct biscfs_bucket *k;
	struct biscfs_dirent *e;
	struct buf *b;
	unsigned hops = 0;
	size_t off;
	int err;

	while (lblk != 0) {
		if (++hops > dir->size / BISCFS_BLOCK_SIZE)
			return biscfs_corrupt(BI(dir)->fs, INO(dir), lblk,
			    "bucket chain loops");
		if ((err = bucket_read(dir, lblk, &b)) != 0)
			return err;
		k = (void *)b->data;
		for (off = 0; off < k->used; off += e->rec_len) {
			if (!ent_ok(b, off, k->used)) {
				brelse(b);
				return biscfs_corrupt(BI(dir)->fs, INO(dir),
				    lblk, "bad directory entry");
			}
			e = ent_at(b, off);
			if (e->hash == hash && e->name_len == len &&
			    memcmp(e->name, name, len) == 0) {
				*bp = b;
				*offp = off;
				return 0;
			}
		}
		lblk = k->next;
		brelse(b);
	}
	return -ENOENT;
}

/* The first bucket of name's chain, from the header. */
static int
bucket_of(struct inode *dir, uint64_t hash, uint32_t *lblk)
{
	struct biscfs_dir_header *h;
	struct buf *hb;
	int err;

	if ((err = hdr_read(dir, &hb)) != 0)
		return err;
	h = (void *)hb->data;
	*lblk = h->table[slot_of(h->depth, hash)];
	brelse(hb);
	return 0;
}

int
dir_find(struct inode *dir, const char *name, size_t len, uint32_t *ino)
{
	uint64_t hash = name_hash(dir, name, len);
	uint32_t lblk;
	struct buf *b;
	size_t off;
	int err;

	if ((err = bucket_of(dir, hash, &lblk)) != 0)
		return err;
	if ((err = chain_find(dir, lblk, hash, name, len, &b, &off)) != 0)
		return err;
	*ino = ent_at(b, off)->ino;
	brelse(b);
	return 0;
}

/* A new zeroed block at the end of dir: *lblk and *out (locked). */
static int
dblk_new(struct btx *tx, struct inode *dir, uint32_t *lblk, struct buf **out)
{
	uint64_t pblk;
	bool fresh;
	int err;

	if (dir->size / BISCFS_BLOCK_SIZE >= UINT32_MAX)
		return -ENOSPC;
	*lblk = (uint32_t)(dir->size / BISCFS_BLOCK_SIZE);
	if ((err = bmap_alloc(tx, dir, *lblk, &pblk, &fresh)) != 0)
		return err;
	*out = bget(BI(dir)->fs->dev, pblk);
	memset((*out)->data, 0, BISCFS_BLOCK_SIZE);
	dir->size += BISCFS_BLOCK_SIZE;
	return 0;
}

static void
bucket_init(struct inode *dir, struct buf *b, unsigned depth, uint64_t prefix)
{
	struct biscfs_bucket *k = (void *)b->data;

	k->magic = BISCFS_BUCKET_MAGIC;
	k->owner = INO(dir);
	k->depth = (uint16_t)depth;
	k->prefix = prefix;
}

int
dir_init(struct btx *tx, struct inode *dir, uint32_t parent)
{
	struct biscfs_dir_header *h;
	struct buf *hb, *b;
	uint32_t l0, l1;
	int err;

	if ((err = dblk_new(tx, dir, &l0, &hb)) != 0)
		return err;
	if ((err = dblk_new(tx, dir, &l1, &b)) != 0) {
		brelse(hb);
		return err;
	}
	h = (void *)hb->data;
	h->magic = BISCFS_DIR_MAGIC;
	h->owner = INO(dir);
	h->parent = parent;
	h->nbuckets = 1;
	h->table[0] = l1;
	bucket_init(dir, b, 0, 0);
	dblk_dirty(tx, dir, hb);
	dblk_dirty(tx, dir, b);
	brelse(b);
	brelse(hb);
	return 0;
}

/* Append an entry to bucket b (room checked). */
static void
ent_append(struct buf *b, uint64_t hash, const char *name, size_t len,
    uint32_t ino, uint8_t type)
{
	struct biscfs_bucket *k = (void *)b->data;
	struct biscfs_dirent *e = ent_at(b, k->used);
	uint16_t rec = (uint16_t)BISCFS_DIRENT_LEN(len);

	memset(e, 0, rec);
	e->hash = hash;
	e->ino = ino;
	e->rec_len = rec;
	e->name_len = (uint8_t)len;
	e->type = type;
	memcpy(e->name, name, len);
	k->used = (uint16_t)(k->used + rec);
	k->count++;
}

/*
 * Split bucket b (block lblk, no overflow) by its next hash bit into
 * itself and a new block, doubling the table first if need be.
 */
static int
bucket_split(struct btx *tx, struct inode *dir, struct buf *hb, struct buf *b,
    uint32_t lblk)
{
	struct biscfs_dir_header *h = (void *)hb->data;
	struct biscfs_bucket *k = (void *)b->data, *nk;
	struct biscfs_dirent *e;
	unsigned L = k->depth, i, n;
	uint64_t bit = 1ull << (BISCFS_HASH_BITS - 1 - L);
	size_t off, rec, keep = 0, used = k->used;
	uint32_t nl;
	struct buf *nb;
	int err;

	if (L == h->depth) {
		if (h->depth == BISCFS_DIR_MAX_DEPTH)
			return -ENOSPC;
		n = 1u << h->depth;
		for (i = 2 * n; i-- > 0; )
			h->table[i] = h->table[i / 2];
		h->depth++;
	}
	if ((err = dblk_new(tx, dir, &nl, &nb)) != 0)
		return err;
	bucket_init(dir, nb, L + 1, k->prefix | bit);
	nk = (void *)nb->data;
	k->depth = (uint16_t)(L + 1);
	k->count = 0;
	for (off = 0; off < used; off += rec) {
		e = ent_at(b, off);
		rec = e->rec_len;	/* before a move can overwrite it */
		if (e->hash & bit) {
			ent_append(nb, e->hash, e->name, e->name_len, e->ino,
			    e->type);
			continue;
		}
		if (off != keep)
			memmove(ent_at(b, keep), e, rec);
		keep += rec;
		k->count++;
	}
	k->used = (uint16_t)keep;
	memset(ent_at(b, keep), 0, BISCFS_BUCKET_SPACE - keep);
	/* Slots of the upper half now point at the new bucket. */
	n = 1u << h->depth;
	for (i = 0; i < n; i++)
		if (h->table[i] == lblk &&
		    ((i >> (h->depth - 1 - L)) & 1u) != 0)
			h->table[i] = nl;
	h->nbuckets++;
	(void)nk;
	dblk_dirty(tx, dir, nb);
	brelse(nb);
	dblk_dirty(tx, dir, b);
	return 0;
}

int
dir_add(struct btx *tx, struct inode *dir, const char *name, size_t len,
    uint32_t ino, uint8_t type)
{
	uint64_t hash = name_hash(dir, name, len);
	size_t rec = BISCFS_DIRENT_LEN(len);
	struct biscfs_dir_header *h;
	struct biscfs_bucket *k;
	struct buf *hb, *b, *nb;
	uint32_t lblk, first, nl;
	bool split = false;
	int err;

	if ((err = hdr_read(dir, &hb)) != 0)
		return err;
	h = (void *)hb->data;
again:
	first = lblk = h->table[slot_of(h->depth, hash)];
	for (;;) {
		if ((err = bucket_read(dir, lblk, &b)) != 0)
			goto out;
		k = (void *)b->data;
		if (k->used + rec <= BISCFS_BUCKET_SPACE)
			goto add;
		if (k->next == 0)
			break;
		lblk = k->next;
		brelse(b);
	}
	/* No room in the chain: split a lone bucket once, else grow it. */
	if (!split && lblk == first && k->depth < BISCFS_DIR_MAX_DEPTH) {
		split = true;
		err = bucket_split(tx, dir, hb, b, lblk);
		brelse(b);
		if (err != 0)
			goto out;
		goto again;
	}
	if ((err = dblk_new(tx, dir, &nl, &nb)) != 0) {
		brelse(b);
		goto out;
	}
	bucket_init(dir, nb, k->depth, k->prefix);
	k->next = nl;
	dblk_dirty(tx, dir, b);
	brelse(b);
	b = nb;
	h->nbuckets++;
add:
	ent_append(b, hash, name, len, ino, type);
	dblk_dirty(tx, dir, b);
	brelse(b);
	h->nentries++;
out:
	/* A split changed the table even when the add then failed. */
	if (err == 0 || split)
		dblk_dirty(tx, dir, hb);
	brelse(hb);
	return err;
}

int
dir_del(struct btx *tx, struct inode *dir, const char *name, size_t len)
{
	uint64_t hash = name_hash(dir, name, len);
	struct biscfs_dir_header *h;
	struct biscfs_bucket *k;
	struct buf *hb, *b;
	size_t off, rec;
	int err;

	if ((err = hdr_read(dir, &hb)) != 0)
		return err;
	h = (void *)hb->data;
	err = chain_find(dir, h->table[slot_of(h->depth, hash)], hash, name,
	    len, &b, &off);
	if (err == 0) {
		k = (void *)b->data;
		rec = ent_at(b, off)->rec_len;
		memmove(ent_at(b, off), ent_at(b, off + rec),
		    k->used - off - rec);
		k->used = (uint16_t)(k->used - rec);
		memset(ent_at(b, k->used), 0, rec);
		k->count--;
		dblk_dirty(tx, dir, b);
		brelse(b);
		h->nentries--;
		dblk_dirty(tx, dir, hb);
	}
	brelse(hb);
	return err;
}

int
dir_set(struct btx *tx, struct inode *dir, const char *name, size_t len,
    uint32_t ino, uint8_t type)
{
	uint64_t hash = name_hash(dir, name, len);
	struct biscfs_dirent *e;
	uint32_t lblk;
	struct buf *b;
	size_t off;
	int err;

	if ((err = bucket_of(dir, hash, &lblk)) != 0)
		return err;
	if ((err = chain_find(dir, lblk, hash, name, len, &b, &off)) != 0)
		return err;
	e = ent_at(b, off);
	e->ino = ino;
	e->type = type;
	dblk_dirty(tx, dir, b);
	brelse(b);
	return 0;
}

int
dir_set_parent(struct btx *tx, struct inode *dir, uint32_t parent)
{
	struct buf *hb;
	int err;

	if ((err = hdr_read(dir, &hb)) != 0)
		return err;
	((struct biscfs_dir_header *)hb->data)->parent = parent;
	dblk_dirty(tx, dir, hb);
	brelse(hb);
	return 0;
}

int
dir_count(struct inode *dir, uint64_t *n)
{
	struct buf *hb;
	int err;

	if ((err = hdr_read(dir, &hb)) != 0)
		return err;
	*n = ((struct biscfs_dir_header *)hb->data)->nentries;
	brelse(hb);
	return 0;
}

/* The entry to list next in a chain. */
struct next_ent {
	bool found;
	uint64_t hash;
	uint32_t ino;
	uint8_t type;
	size_t len;
	char name[BISCFS_NAME_MAX + 1];
};

/* The smallest hash >= cur in the chain from lblk into *ne. */
static int
chain_next(struct inode *dir, uint32_t lblk, uint64_t cur,
    struct next_ent *ne, unsigned *depth)
{
	struct biscfs_bucket *k;
	struct biscfs_dirent *e;
	unsigned hops = 0;
	struct buf *b;
	size_t off;
	int err;

	ne->found = false;
	while (lblk != 0) {
		if (++hops > dir->size / BISCFS_BLOCK_SIZE)
			return biscfs_corrupt(BI(dir)->fs, INO(dir), lblk,
			    "bucket chain loops");
		if ((err = bucket_read(dir, lblk, &b)) != 0)
			return err;
		k = (void *)b->data;
		if (hops == 1)
			*depth = k->depth;
		for (off = 0; off < k->used; off += e->rec_len) {
			if (!ent_ok(b, off, k->used)) {
				brelse(b);
				return biscfs_corrupt(BI(dir)->fs, INO(dir),
				    lblk, "bad directory entry");
			}
			e = ent_at(b, off);
			if (e->hash < cur || (ne->found && e->hash >= ne->hash))
				continue;
			ne->found = true;
			ne->hash = e->hash;
			ne->ino = e->ino;
			ne->type = e->type;
			ne->len = e->name_len;
			memcpy(ne->name, e->name, e->name_len);
		}
		lblk = k->next;
		brelse(b);
	}
	return 0;
}

int
dir_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	struct biscfs_dir_header *h;
	struct next_ent ne;
	struct buf *hb;
	uint64_t cur;
	unsigned slot, n, depth = 0;
	int err;

	if (ctx->pos >= COOKIE_END)
		return 0;
	cur = ctx->pos - 2;
	if ((err = hdr_read(dir, &hb)) != 0)
		return err;
	h = (void *)hb->data;
	n = 1u << h->depth;
	for (slot = slot_of(h->depth, cur); slot < n; ) {
		for (;;) {
			err = chain_next(dir, h->table[slot], cur, &ne, &depth);
			if (err != 0 || !ne.found)
				break;
			if (!ctx->emit(ctx, ne.name, ne.len, ne.ino,
			    (uint32_t)ne.type << 12, ne.hash + 3))
				goto out;
			ctx->pos = ne.hash + 3;
			cur = ne.hash + 1;
		}
		if (err != 0)
			goto out;
		if (depth > h->depth) {
			err = biscfs_corrupt(BI(dir)->fs, INO(dir), 0,
			    "bucket deeper than its table");
			goto out;
		}
		/* Past the slots this bucket covers. */
		slot = ((slot >> (h->depth - depth)) + 1) << (h->depth - depth);
	}
	ctx->pos = COOKIE_END;
out:
	brelse(hb);
	return err;
}
