/*
 * Journal recovery: put the home blocks back into the state after the
 * last committed transaction the log holds (fs/journal_format.h has
 * the layout).
 *
 * Three passes over the log from the superblock's tail, as in ext3's
 * recovery, because a revoke record must be known before any image it
 * cancels is written, and a transaction counts only once its commit
 * block proves all of it reached the disk:
 *
 *   scan     walk transactions in sequence order, checking every
 *            header (magic, the log's nonce, the expected sequence
 *            number) and the commit block's CRC32C over the whole
 *            transaction; stop at the first one that does not check
 *            (torn, never written, or from an older life of the log).
 *   revoke   collect the revoke records of the valid transactions:
 *            block -> the newest sequence number that revoked it.
 *   replay   write each image of the valid transactions, in order, to
 *            its home block, unless a transaction at least as new
 *            revoked that block.  Then flush.
 *
 * Replay is idempotent: a crash during it leaves the log as it was, and
 * the next mount replays the same transactions again.
 */
#include "blk/bcache.h"
#include "contract/physmem.h"
#include "journal_internal.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/hash.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"

#define REVOKE_BUCKETS	256

struct rrec {
	uint64_t blkno;
	uint64_t seq;		/* the newest transaction that revoked it */
	struct rrec *next;
};

enum pass { PASS_SCAN, PASS_REVOKE, PASS_REPLAY };

struct recovery {
	struct blkdev *d;
	const struct jnl_super *sb;
	enum pass pass;
	uint8_t *hdr;		/* a header block (descriptor kept here) */
	uint8_t *img;		/* an image */
	struct rrec *revoked[REVOKE_BUCKETS];
};

static struct rrec **
rbucket(struct recovery *rc, uint64_t blkno)
{
	return &rc->revoked[hash_u64(blkno) % REVOKE_BUCKETS];
}

static void
revoke_add(struct recovery *rc, uint64_t blkno, uint64_t seq)
{
	struct rrec **head = rbucket(rc, blkno), *r;

	for (r = *head; r != NULL; r = r->next) {
		if (r->blkno == blkno) {
			r->seq = MAX(r->seq, seq);
			return;
		}
	}
	r = kzalloc(sizeof(*r));
	KASSERT(r != NULL);
	r->blkno = blkno;
	r->seq = seq;
	r->next = *head;
	*head = r;
}

/* Is the image of blkno in transaction seq cancelled by a revoke? */
static bool
revoked(struct recovery *rc, uint64_t blkno, uint64_t seq)
{
	struct rrec *r;

	for (r = *rbucket(rc, blkno); r != NULL; r = r->next) {
		if (r->blkno == blkno)
			return r->seq >= seq;
	}
	return false;
}

static int
log_read(struct recovery *rc, uint64_t pos, void *blk)
{
	return blk_rw(rc->d, BLK_READ, rc->sb->start + pos, 1, blk);
}

/* A home block number that replay may write. */
static bool
home_ok(struct recovery *rc, uint64_t blkno)
{
	return blkno < rc->d->nblocks && (blkno < rc->sb->start ||
	    blkno >= rc->sb->start + rc->sb->len);
}

/* Write one replayed image through the cache, so no stale copy stays. */
static int
replay_block(struct recovery *rc, uint64_t blkno, const void *data)
{
	struct buf *b = bget(rc->d, blkno);
	int err;

	memcpy(b->data, data, BLK_SIZE);
	b->flags |= B_VALID;
	err = bwrite(b);
	brelse(b);
	return err;
}

/*
 * A descriptor's group (descriptor in rc->hdr) at *pos, past the
 * descriptor: check, account or replay its images.  1 to go on, 0 for
 * a bad group, or -EIO.
 */
static int
walk_images(struct recovery *rc, uint64_t seq, uint64_t *pos, uint32_t *crc,
    uint64_t *nblocks)
{
	const struct jnl_header *h = (const void *)rc->hdr;
	const struct jnl_desc_entry *e = (const void *)(rc->hdr + sizeof(*h));
	uint64_t len = rc->sb->len;
	int err;

	for (uint32_t i = 0; i < h->count; i++) {
		if (rc->pass == PASS_SCAN && !home_ok(rc, e[i].blkno))
			return 0;
		if (rc->pass == PASS_SCAN || (rc->pass == PASS_REPLAY &&
		    !revoked(rc, e[i].blkno, seq))) {
			err = log_read(rc, *pos, rc->img);
			if (err != 0)
				return err;
			*crc = crc32c(*crc, rc->img, BLK_SIZE);
			if (rc->pass == PASS_REPLAY) {
				err = replay_block(rc, e[i].blkno, rc->img);
				if (err != 0)
					return err;
			}
		}
		*pos = jnl_pos_add(len, *pos, 1);
		(*nblocks)++;
	}
	return 1;
}

/*
 * Walk the transaction seq at *pos for rc->pass; on success *pos is
 * just past its commit block.  1 for a complete transaction with a good
 * checksum (in the scan; later passes trust the scan), 0 for one that
 * is not, or -EIO.
 */
static int
walk_txn(struct recovery *rc, uint64_t seq, uint64_t *pos)
{
	struct jnl_header *h = (void *)rc->hdr;
	uint64_t len = rc->sb->len, nblocks = 0;
	uint32_t crc = 0, want;
	int err;

	for (;;) {
		if (nblocks >= len - 1)
			return 0;	/* runs all around the log */
		err = log_read(rc, *pos, rc->hdr);
		if (err != 0)
			return err;
		if (h->magic != JNL_MAGIC || h->nonce != rc->sb->nonce ||
		    h->seq != seq)
			return 0;
		*pos = jnl_pos_add(len, *pos, 1);
		switch (h->type) {
		case JNL_REVOKE:
			if (h->count > JNL_REVOKE_PER)
				return 0;
			crc = crc32c(crc, rc->hdr, BLK_SIZE);
			nblocks++;
			if (rc->pass != PASS_REVOKE)
				break;
			for (uint32_t i = 0; i < h->count; i++)
				revoke_add(rc, ((uint64_t *)(h + 1))[i], seq);
			break;
		case JNL_DESC:
			if (h->count > JNL_DESC_PER)
				return 0;
			crc = crc32c(crc, rc->hdr, BLK_SIZE);
			nblocks++;
			err = walk_images(rc, seq, pos, &crc, &nblocks);
			if (err <= 0)
				return err;
			break;
		case JNL_COMMIT:
			if (rc->pass != PASS_SCAN)
				return 1;
			if (h->count != nblocks)
				return 0;
			want = h->crc;
			h->crc = 0;
			return crc32c(crc, rc->hdr, BLK_SIZE) == want;
		default:
			return 0;
		}
	}
}

/* Run one pass over the first ntxn transactions (all valid ones: ~0). */
static int
run_pass(struct recovery *rc, enum pass pass, unsigned ntxn, unsigned *nvalid)
{
	uint64_t pos = rc->sb->tail;
	unsigned n;
	int err = 0;

	rc->pass = pass;
	for (n = 0; n < ntxn; n++) {
		err = walk_txn(rc, rc->sb->seq + n, &pos);
		if (err <= 0)
			break;
	}
	if (nvalid != NULL)
		*nvalid = n;
	return err < 0 ? err : 0;
}

int
jnl_recover(struct blkdev *d, const struct jnl_super *sb,
    unsigned *replayed, uint64_t *next_seq)
{
	struct recovery *rc = kzalloc(sizeof(*rc));
	paddr_t hdr = page_alloc(0, 0), img = page_alloc(0, 0);
	unsigned n = 0;
	int err;

	if (rc == NULL || hdr == 0 || img == 0) {
		err = -ENOMEM;
		goto out;
	}
	rc->d = d;
	rc->sb = sb;
	rc->hdr = phys_to_virt(hdr);
	rc->img = phys_to_virt(img);
	err = run_pass(rc, PASS_SCAN, ~0u, &n);
	if (err == 0 && n > 0)
		err = run_pass(rc, PASS_REVOKE, n, NULL);
	if (err == 0 && n > 0)
		err = run_pass(rc, PASS_REPLAY, n, NULL);
	if (err == 0 && n > 0)
		err = blk_rw(d, BLK_FLUSH, 0, 0, NULL);
	if (err == 0 && n > 0)
		printk("journal: %s: replayed %u transaction%s\n", d->name, n,
		    n == 1 ? "" : "s");
	*replayed = n;
	*next_seq = sb->seq + n;
out:
	for (unsigned i = 0; rc != NULL && i < REVOKE_BUCKETS; i++) {
		while (rc->revoked[i] != NULL) {
			struct rrec *r = rc->revoked[i];

			rc->revoked[i] = r->next;
			kfree(r);
		}
	}
	if (hdr != 0)
		page_free(hdr, 0);
	if (img != 0)
		page_free(img, 0);
	kfree(rc);
	return err;
}
