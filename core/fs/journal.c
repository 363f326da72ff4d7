/*
 * The physical journal: write-ahead logging of whole metadata blocks,
 * with concurrent transactions and group commit (fs/journal.h has the
 * interface, fs/journal_format.h the on-disk layout, docs/journal.md the
 * story).
 *
 * Transactions.  At any time there is at most one running transaction,
 * which handles join (jnl_begin), and at most one being committed.
 * A transaction lives through these steps, all driven by one kernel
 * thread ("jcommit") per journal, so log space is managed by one thread
 * and commits are written strictly in order:
 *
 *   running     handles join it and dirty buffers in it
 *   locked      closed to new handles (jnl_begin waits), waiting for
 *               its open handles to end
 *   snapshot    no handle is open anywhere, so no journaled buffer can
 *               change: each dirtied buffer's data is copied to a frozen
 *               page.  New handles are admitted again right after, into
 *               the next transaction, and may change the buffers freely
 *               while this one is written from the frozen copies.
 *   write       ordered data (bcache_sync: file data the metadata may
 *               point at reaches the disk first), then revoke blocks,
 *               descriptors and images, flush, commit block, flush.
 *               Now it is durable: jnl_commit() callers waiting for it
 *               (any number: group commit) wake up.
 *   in place    the frozen images are written to their home blocks
 *               (except revoked ones), then the buffers it held are
 *               released (B_JOURNAL cleared) unless a newer transaction
 *               holds them, and its after-commit callbacks run.
 *
 * The copy at the snapshot is what lets the next transaction run during
 * the slow part of a commit without dirtying the committing one, and
 * since it is taken while no handle is open it is exactly the state
 * after the transaction's last handle and before the next one's first.
 * The rule that makes it safe: journaled buffers change only inside
 * handles (under their buffer lock), and nobody holds a buffer lock
 * while waiting in jnl_begin() or jnl_commit().
 *
 * Log space.  Committed transactions occupy [tail, head) of the log.
 * Their images have already been written in place, so a checkpoint is
 * only: flush (those writes become durable), move tail to head in the
 * superblock, flush (before any log block there is reused).  The
 * running transaction reserves the space its handles' credits could
 * need; jnl_begin waits while the log cannot hold it, after asking the
 * thread for a checkpoint.  A transaction never outgrows a quarter of
 * the log (a handle that would make it do so waits for it to commit), so
 * a checkpoint always makes room.  A small slack is kept for revoke
 * blocks, which credits do not count.
 *
 * Why in place at once rather than at checkpoint time (as ext3 does):
 * the frozen copies can be freed right after each commit, so the
 * journal holds at most one transaction's worth of extra memory, and a
 * checkpoint never waits for buffers that newer transactions hold.
 * The price is one home write per block per transaction, where a lazy
 * checkpoint would write a hot block (a bitmap) once for many.
 *
 * Failure.  Any I/O error aborts the journal: nothing more is written,
 * buffers still journaled stay pinned (so write-back cannot put half a
 * transaction in place), jnl_end and jnl_commit return -EIO, and
 * jnl_close drops the pinned buffers' changes.
 *
 * Heap: handles allocate inside their syscall's reservation; the thread
 * reserves per commit and per checkpoint (the "jcommit" site,
 * thread_bound()), so jnl_alloc()'s wait loop only runs for callers
 * outside any reservation (the hosted fsck's journal replay).
 *
 * Locks: buffer lock (caller's), then j->lock.  j->lock is a spinlock
 * guarding every field marked [j]; the thread's own fields are [t].
 */
#include "blk/bcache.h"
#include "contract/clock.h"
#include "contract/physmem.h"
#include "fs/journal.h"
#include "fs/journal_format.h"
#include "journal_internal.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/random.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/mutex.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"

/* How long a transaction may run before the thread commits it. */
#define JNL_COMMIT_INTERVAL_NS	(5ull * 1000 * 1000 * 1000)
/* Requests in flight at once when the thread writes a batch. */
#define JNL_IO_DEPTH		32

struct transaction;

/* A journaled buffer (b->jpriv while B_JOURNAL). */
struct jbuf {
	struct buf *b;			/* [i] holds a reference */
	struct transaction *t;		/* [j] running transaction, or NULL */
	struct transaction *last;	/* [j] snapshotted, not yet in place */
	void *frozen;			/* [t] last's image of b */
	struct list tlink;		/* [j] t->bufs */
	struct list clink;		/* [j] last->images, or j->unpin */
	struct list all;		/* [j] j->bufs */
};

struct jcallback {
	void (*fn)(void *arg);
	void *arg;
	struct list link;
};

struct jrevoke {
	uint64_t blkno;
	struct list link;
};

struct transaction {
	uint64_t tid;			/* [i] in order of creation */
	uint64_t start_ns;		/* [i] */
	int open;			/* [j] handles not ended */
	unsigned handles;		/* [j] handles that joined */
	unsigned credits;		/* [j] their credits */
	unsigned nbufs, nrevokes;	/* [j] */
	struct list bufs;		/* [j] of jbuf, by tlink */
	struct list revokes;		/* [j] of jrevoke */
	struct list callbacks;		/* [j] of jcallback */
	struct list images;		/* [t] after the snapshot: jbuf, by clink */
	uint64_t size;			/* [t] log blocks it takes */
};

struct jhandle {
	struct journal *j;
	struct transaction *t;		/* NULL once the journal failed */
};

/* A batch of block requests in flight (the thread's). */
struct jio {
	struct spinlock lock;
	struct waitq wq;
	int inflight;			/* [lock] */
	int error;			/* [lock] first error */
	unsigned n;			/* requests used in req[] */
	struct blkreq req[JNL_IO_DEPTH];
};

struct journal {
	struct blkdev *dev;		/* [i] */
	uint64_t start, len;		/* [i] the area */
	uint64_t cap;			/* [i] log blocks: len - 1 */
	uint64_t slack;			/* [i] kept back for revoke blocks */
	unsigned max_credits;		/* [i] one transaction's bound */
	uint64_t nonce;			/* [i] */
	struct spinlock lock;
	struct waitq wq;		/* handles, committers, space waiters */
	struct waitq twq;		/* the thread */
	struct transaction *running;	/* [j] */
	struct transaction *locked;	/* [j] closed, draining, snapshotting */
	struct transaction *committing;	/* [j] being written */
	uint64_t next_tid;		/* [j] */
	uint64_t done_tid;		/* [j] every tid <= it is durable */
	uint64_t commit_req;		/* [j] commit up to this tid */
	bool ckpt_req;			/* [j] a checkpoint is wanted */
	bool closing;			/* [j] */
	bool aborted;			/* [j] */
	uint64_t head, tail, used;	/* [j] committed: [tail, head), used blocks */
	uint64_t seq;			/* [t] the next transaction's log seq */
	struct list bufs;		/* [j] every jbuf, by all */
	struct list unpin;		/* [j] jbufs to release, by clink */
	struct thread *thread;		/* [i] */
	struct jnl_stats st;		/* [j] */
	struct jio io;			/* [t] */
	bool warned;			/* [j] one overrun report */
};

static void jnl_thread(void *arg);
static void txn_free(struct transaction *t);
static void jnl_unpin(struct journal *j);
static void jnl_do_checkpoint(struct journal *j);

/* ------------------------------------------------------------------ */
/* Superblock and geometry (shared with journal_recover.c).            */

uint64_t
jnl_new_nonce(uint64_t old)
{
	uint64_t n;

	random_bytes(&n, sizeof(n));
	n ^= clock_ns() * 0x9e3779b97f4a7c15ull;
	if (n == old || n == 0)
		n = old * 6364136223846793005ull + 1442695040888963407ull;
	return n;
}

/* One zeroed page for a block's worth of data, waiting for memory. */
static void *
jnl_page(void)
{
	paddr_t pa;

	while ((pa = page_alloc(0, PAGE_ZERO)) == 0) {
		if (bcache_evict(16) == 0)
			thread_sleep_ns(1000 * 1000);
	}
	return phys_to_virt(pa);
}

/*
 * Zeroed heap memory that never fails: inside a reservation (handles in
 * syscalls) kzalloc never does; outside one (the thread, kernel work)
 * wait for memory, evicting clean buffers, rather than fail.
 */
static void *
jnl_alloc(size_t size)
{
	void *p;

	while ((p = kzalloc(size)) == NULL) {
		if (bcache_evict(16) == 0)
			thread_sleep_ns(1000 * 1000);
	}
	return p;
}

static void
jnl_page_free(void *p)
{
	if (p != NULL)
		page_free(virt_to_phys(p), 0);
}

static uint32_t
super_crc(const struct jnl_super *sb)
{
	struct jnl_super c = *sb;

	c.crc = 0;
	return crc32c(0, &c, sizeof(c));
}

int
jnl_write_super(struct blkdev *d, struct jnl_super *sb)
{
	uint8_t *blk = jnl_page();
	int rc;

	sb->crc = super_crc(sb);
	memcpy(blk, sb, sizeof(*sb));
	rc = blk_rw(d, BLK_WRITE, sb->start, 1, blk);
	jnl_page_free(blk);
	return rc;
}

static int
super_damaged(struct blkdev *d, uint64_t start, const char *why)
{
	printk("journal: %s: log superblock at block %llu is damaged (%s)\n",
	    d->name, (unsigned long long)start, why);
	return -EUCLEAN;
}

int
jnl_read_super(struct blkdev *d, uint64_t start, uint64_t len,
    struct jnl_super *sb)
{
	uint8_t *blk = jnl_page();
	int rc = blk_rw(d, BLK_READ, start, 1, blk);

	memcpy(sb, blk, sizeof(*sb));
	jnl_page_free(blk);
	if (rc != 0)
		return rc;
	if (sb->magic != JNL_MAGIC)
		return super_damaged(d, start, "bad magic");
	if (sb->crc != super_crc(sb))
		return super_damaged(d, start, "bad checksum");
	if (sb->version != JNL_VERSION)
		return super_damaged(d, start, "unknown version");
	if (sb->block_size != BLK_SIZE || sb->start != start || sb->len != len)
		return super_damaged(d, start, "geometry does not match");
	if (sb->tail < 1 || sb->tail >= len)
		return super_damaged(d, start, "tail outside the log");
	return 0;
}

static bool
area_ok(struct blkdev *d, uint64_t start, uint64_t len)
{
	return d != NULL && len >= JNL_MIN_LEN && start < d->nblocks &&
	    len <= d->nblocks - start;
}

int
jnl_format(struct blkdev *d, uint64_t start, uint64_t len)
{
	struct jnl_super sb;
	int rc;

	if (!area_ok(d, start, len))
		return -EINVAL;
	memset(&sb, 0, sizeof(sb));
	sb.magic = JNL_MAGIC;
	sb.version = JNL_VERSION;
	sb.block_size = BLK_SIZE;
	sb.start = start;
	sb.len = len;
	sb.nonce = jnl_new_nonce(0);
	sb.seq = 1;
	sb.tail = 1;
	rc = jnl_write_super(d, &sb);
	if (rc == 0)
		rc = blk_rw(d, BLK_FLUSH, 0, 0, NULL);
	return rc;
}

/* Log blocks a transaction of nbufs images and nrevokes revokes takes. */
static uint64_t
txn_space(uint64_t nbufs, uint64_t nrevokes)
{
	return nbufs + (nbufs + JNL_DESC_PER - 1) / JNL_DESC_PER +
	    (nrevokes + JNL_REVOKE_PER - 1) / JNL_REVOKE_PER + 1;
}

/* ------------------------------------------------------------------ */
/* Batched block I/O (the thread's).                                   */

static void
jio_done(struct blkreq *r)
{
	struct jio *io = r->arg;

	spin_lock(&io->lock);
	if (r->error != 0 && io->error == 0)
		io->error = r->error;
	io->inflight--;
	spin_unlock(&io->lock);
	waitq_wake_all(&io->wq);
}

/* Wait for every request of the batch: 0 or the first error. */
static int
jio_wait(struct jio *io)
{
	int rc;

	spin_lock(&io->lock);
	while (io->inflight > 0)
		waitq_wait(&io->wq, &io->lock);
	rc = io->error;
	io->error = 0;
	spin_unlock(&io->lock);
	io->n = 0;
	return rc;
}

/* Start writing data (one block, kept alive by the caller) at blkno. */
static int
jio_write(struct jio *io, struct blkdev *d, uint64_t blkno, void *data)
{
	struct blkreq *r;
	int rc = 0;

	if (io->n == JNL_IO_DEPTH)
		rc = jio_wait(io);
	r = &io->req[io->n++];
	memset(r, 0, sizeof(*r));
	r->op = BLK_WRITE;
	r->blkno = blkno;
	r->nblocks = 1;
	r->buf = data;
	r->done = jio_done;
	r->arg = io;
	spin_lock(&io->lock);
	io->inflight++;
	spin_unlock(&io->lock);
	blk_submit(d, r);
	return rc;
}

/* Wait for the batch, then flush the device. */
static int
jio_flush(struct jio *io, struct blkdev *d)
{
	int rc = jio_wait(io);

	if (rc == 0)
		rc = blk_rw(d, BLK_FLUSH, 0, 0, NULL);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening and closing.                                                */

int
jnl_open(struct blkdev *d, uint64_t start, uint64_t len,
    struct journal **out, unsigned *replayed)
{
	struct jnl_super sb;
	struct journal *j;
	unsigned n = 0;
	uint64_t seq;
	int rc;

	if (!area_ok(d, start, len))
		return -EINVAL;
	rc = jnl_read_super(d, start, len, &sb);
	if (rc != 0)
		return rc;
	rc = jnl_recover(d, &sb, &n, &seq);
	if (rc != 0)
		return rc;
	/* Reset: an empty log under a new nonce, so nothing old matches. */
	sb.nonce = jnl_new_nonce(sb.nonce);
	sb.seq = seq;
	sb.tail = 1;
	rc = jnl_write_super(d, &sb);
	if (rc == 0)
		rc = blk_rw(d, BLK_FLUSH, 0, 0, NULL);
	if (rc != 0)
		return rc;
	if (replayed != NULL)
		*replayed = n;

	j = kzalloc(sizeof(*j));
	if (j == NULL)
		return -ENOMEM;
	j->dev = d;
	j->start = start;
	j->len = len;
	j->cap = len - 1;
	j->slack = MAX(4, j->cap / 32);
	/* A quarter of what is left, less its descriptors and commit. */
	j->max_credits = (unsigned)((j->cap - j->slack) / 4);
	j->max_credits -= j->max_credits / JNL_DESC_PER + 2;
	j->nonce = sb.nonce;
	j->seq = seq;
	spin_init(&j->lock, "journal");
	waitq_init(&j->wq, "journal");
	waitq_init(&j->twq, "jcommit");
	spin_init(&j->io.lock, "jio");
	waitq_init(&j->io.wq, "jio");
	j->next_tid = 1;
	j->head = j->tail = 1;
	list_init(&j->bufs);
	list_init(&j->unpin);
	j->thread = thread_create("jcommit", jnl_thread, j);
	if (j->thread == NULL) {
		kfree(j);
		return -ENOMEM;
	}
	*out = j;
	return 0;
}

/* Release jb's buffer (locked by the caller) from the journal. */
static void
jbuf_drop(struct journal *j, struct jbuf *jb, bool discard)
{
	struct buf *b = jb->b;

	spin_lock(&j->lock);
	list_remove(&jb->all);
	list_remove(&jb->clink);
	list_remove(&jb->tlink);
	spin_unlock(&j->lock);
	b->jpriv = NULL;
	bjournal_clear(b, discard);
	jnl_page_free(jb->frozen);
	kfree(jb);
	brelse(b);	/* unlocks, drops the journal's reference */
}

int
jnl_close(struct journal *j)
{
	struct jbuf *jb;
	bool failed;

	spin_lock(&j->lock);
	j->closing = true;
	spin_unlock(&j->lock);
	waitq_wake_all(&j->twq);
	thread_join(j->thread);

	/* The thread committed and checkpointed everything it could. */
	spin_lock(&j->lock);
	failed = j->aborted;
	while ((jb = list_first_entry(&j->bufs, struct jbuf, all)) != NULL) {
		spin_unlock(&j->lock);
		block(jb->b);
		jbuf_drop(j, jb, failed);
		spin_lock(&j->lock);
	}
	spin_unlock(&j->lock);
	/* A failed journal may leave a transaction that never committed. */
	if (j->running != NULL)
		txn_free(j->running);
	kfree(j);
	return failed ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* Handles.                                                            */

static struct transaction *
txn_new(struct journal *j)
{
	struct transaction *t = jnl_alloc(sizeof(*t));

	list_init(&t->bufs);
	list_init(&t->revokes);
	list_init(&t->callbacks);
	list_init(&t->images);
	t->start_ns = clock_ns();
	return t;
}

/* The log blocks in use or promised, with a new handle's credits. [j] */
static uint64_t
space_wanted(struct journal *j, unsigned credits)
{
	uint64_t need = j->used;

	if (j->committing != NULL)
		need += j->committing->size;
	if (j->running != NULL)
		need += txn_space(j->running->credits + credits,
		    j->running->nrevokes);
	else
		need += txn_space(credits, 0);
	return need;
}

struct jhandle *
jnl_begin(struct journal *j, unsigned credits)
{
	struct jhandle *h = jnl_alloc(sizeof(*h));
	struct transaction *spare = NULL;
	bool waited = false;

	h->j = j;
	if (credits > j->max_credits)
		credits = j->max_credits;
	spin_lock(&j->lock);
	for (;;) {
		if (j->aborted)
			break;
		if (j->locked != NULL) {
			waitq_wait(&j->wq, &j->lock);
			continue;
		}
		if (j->running != NULL && j->running->handles > 0 &&
		    j->running->credits + credits > j->max_credits) {
			/* Full: let it commit and join the next one. */
			if (j->commit_req < j->running->tid)
				j->commit_req = j->running->tid;
			waitq_wake_all(&j->twq);
		} else if (space_wanted(j, credits) > j->cap - j->slack) {
			j->ckpt_req = true;
			waitq_wake_all(&j->twq);
		} else if (j->running == NULL && spare == NULL) {
			/* A new transaction: allocate it unlocked, look again. */
			spin_unlock(&j->lock);
			spare = txn_new(j);
			spin_lock(&j->lock);
			continue;
		} else {
			break;
		}
		if (!waited)
			j->st.waits++;
		waited = true;
		waitq_wait(&j->wq, &j->lock);
	}
	if (!j->aborted) {
		if (j->running == NULL) {
			spare->tid = j->next_tid++;
			spare->start_ns = clock_ns();
			j->running = spare;
			spare = NULL;
			waitq_wake_all(&j->twq);	/* arm its interval */
		}
		h->t = j->running;
		h->t->open++;
		h->t->handles++;
		h->t->credits += credits;
	}
	spin_unlock(&j->lock);
	kfree(spare);
	return h;
}

/* Forget a revoke of blkno in t: the block is metadata again. [j] */
static void
revoke_cancel(struct transaction *t, uint64_t blkno)
{
	struct list *it, *tmp;

	list_foreach_safe(it, tmp, &t->revokes) {
		struct jrevoke *r = list_entry(it, struct jrevoke, link);

		if (r->blkno == blkno) {
			list_remove(&r->link);
			kfree(r);
			t->nrevokes--;
			return;
		}
	}
}

void
jnl_dirty(struct jhandle *h, struct buf *b)
{
	struct journal *j = h->j;
	struct transaction *t = h->t;
	struct jbuf *jb = b->jpriv;

	KASSERT(mutex_held(&b->lock));
	/* b->jpriv changes only under b's lock, which we hold. */
	if (jb == NULL) {
		jb = jnl_alloc(sizeof(*jb));
		jb->b = b;
		list_init(&jb->tlink);
		list_init(&jb->clink);
		list_init(&jb->all);
		bref(b);
		b->jpriv = jb;
	}
	/* Journaled now: write-back must leave it alone. */
	bjournal_set(b);
	spin_lock(&j->lock);
	if (list_empty(&jb->all))
		list_push_back(&j->bufs, &jb->all);
	if (t == NULL) {
		/* The journal failed: keep b pinned, record nothing. */
		spin_unlock(&j->lock);
		return;
	}
	if (jb->last == NULL)
		list_remove(&jb->clink);	/* off j->unpin */
	if (jb->t == NULL) {
		jb->t = t;
		list_push_back(&t->bufs, &jb->tlink);
		t->nbufs++;
		if (t->nbufs > t->credits && !j->warned) {
			j->warned = true;
			printk("journal: %s: a transaction dirtied more "
			    "blocks (%u) than its handles' credits (%u)\n",
			    j->dev->name, t->nbufs, t->credits);
		}
	}
	KASSERT(jb->t == t);
	if (t->nrevokes > 0)
		revoke_cancel(t, b->blkno);
	spin_unlock(&j->lock);
}

void
jnl_revoke(struct jhandle *h, uint64_t blkno)
{
	struct journal *j = h->j;
	struct jrevoke *r = jnl_alloc(sizeof(*r));
	struct list *it;

	r->blkno = blkno;
	spin_lock(&j->lock);
	if (h->t == NULL)
		goto out;
	list_foreach(it, &h->t->revokes) {
		if (list_entry(it, struct jrevoke, link)->blkno == blkno)
			goto out;
	}
	list_push_back(&h->t->revokes, &r->link);
	h->t->nrevokes++;
	r = NULL;
out:
	spin_unlock(&j->lock);
	kfree(r);
}

void
jnl_after_commit(struct jhandle *h, void (*fn)(void *arg), void *arg)
{
	struct journal *j = h->j;
	struct jcallback *cb = jnl_alloc(sizeof(*cb));

	cb->fn = fn;
	cb->arg = arg;
	spin_lock(&j->lock);
	if (h->t != NULL) {
		list_push_back(&h->t->callbacks, &cb->link);
		cb = NULL;
	}
	spin_unlock(&j->lock);
	kfree(cb);
}

int
jnl_end(struct jhandle *h)
{
	struct journal *j = h->j;
	int rc;

	spin_lock(&j->lock);
	if (h->t != NULL && --h->t->open == 0 && j->locked == h->t)
		waitq_wake_all(&j->twq);
	rc = j->aborted ? -EIO : 0;
	spin_unlock(&j->lock);
	kfree(h);
	return rc;
}

int
jnl_commit(struct journal *j)
{
	uint64_t target = 0;
	int rc;

	spin_lock(&j->lock);
	if (j->running != NULL && j->running->handles > 0)
		target = j->running->tid;
	else if (j->locked != NULL)
		target = j->locked->tid;
	else if (j->committing != NULL)
		target = j->committing->tid;
	if (target > j->commit_req) {
		j->commit_req = target;
		j->st.forced++;
		waitq_wake_all(&j->twq);
	}
	while (j->done_tid < target && !j->aborted)
		waitq_wait(&j->wq, &j->lock);
	rc = j->done_tid >= target ? 0 : -EIO;
	if (target == 0 && j->aborted)
		rc = -EIO;
	spin_unlock(&j->lock);
	return rc;
}

void
jnl_stats(struct journal *j, struct jnl_stats *st)
{
	spin_lock(&j->lock);
	*st = j->st;
	spin_unlock(&j->lock);
}

/* ------------------------------------------------------------------ */
/* The commit thread.                                                  */

/* Stop writing for good after an I/O error. */
static void
jnl_fail(struct journal *j, int rc)
{
	spin_lock(&j->lock);
	if (!j->aborted)
		printk("journal: %s: I/O error %d: journal aborted\n",
		    j->dev->name, rc);
	j->aborted = true;
	spin_unlock(&j->lock);
	waitq_wake_all(&j->wq);
}

/*
 * Close the running transaction, wait for its handles, and freeze its
 * buffers' contents; then let new handles in.  Returns it, now
 * j->committing.
 */
static struct transaction *
txn_snapshot(struct journal *j)
{
	struct transaction *t;
	struct list *it;

	spin_lock(&j->lock);
	t = j->running;
	j->running = NULL;
	j->locked = t;
	while (t->open > 0)
		waitq_wait(&j->twq, &j->lock);
	spin_unlock(&j->lock);

	/*
	 * No handle is open and none can begin: nothing changes journaled
	 * buffers now, and t->bufs is ours.
	 */
	list_foreach(it, &t->bufs) {
		struct jbuf *jb = list_entry(it, struct jbuf, tlink);

		jb->frozen = jnl_page();
		memcpy(jb->frozen, jb->b->data, BLK_SIZE);
	}

	spin_lock(&j->lock);
	while (!list_empty(&t->bufs)) {
		struct jbuf *jb = list_entry(list_pop_front(&t->bufs),
		    struct jbuf, tlink);

		jb->t = NULL;
		jb->last = t;
		list_push_back(&t->images, &jb->clink);
	}
	t->size = (t->nbufs == 0 && t->nrevokes == 0) ? 0 :
	    txn_space(t->nbufs, t->nrevokes);
	j->locked = NULL;
	j->committing = t;
	j->st.handles += t->handles;
	spin_unlock(&j->lock);
	waitq_wake_all(&j->wq);
	return t;
}

/* Fill the header of a log block of t. */
static void
log_header(struct journal *j, void *blk, uint32_t type, uint32_t count)
{
	struct jnl_header *h = blk;

	h->magic = JNL_MAGIC;
	h->type = type;
	h->nonce = j->nonce;
	h->seq = j->seq;
	h->count = count;
	h->crc = 0;
}

/*
 * Write t's revoke blocks, descriptors and images to the log from pos,
 * accumulating the CRC; metadata blocks go to *meta (freed by the
 * caller once written).  Returns 0 or the first error.
 */
static int
txn_write_log(struct journal *j, struct transaction *t, uint64_t *pos,
    uint32_t *crc, void **meta, unsigned *nmeta)
{
	struct list *it;
	uint8_t *blk = NULL;
	unsigned n = 0;
	int rc = 0;

#define LOG_OUT(data) do { \
		*crc = crc32c(*crc, (data), BLK_SIZE); \
		if (rc == 0) \
			rc = jio_write(&j->io, j->dev, j->start + *pos, (data)); \
		*pos = jnl_pos_add(j->len, *pos, 1); \
	} while (0)

	/* Revoke blocks. */
	list_foreach(it, &t->revokes) {
		struct jrevoke *r = list_entry(it, struct jrevoke, link);

		if (n == 0)
			blk = meta[(*nmeta)++] = jnl_page();
		((uint64_t *)(blk + sizeof(struct jnl_header)))[n++] = r->blkno;
		if (n == JNL_REVOKE_PER || it->next == &t->revokes) {
			log_header(j, blk, JNL_REVOKE, n);
			LOG_OUT(blk);
			n = 0;
		}
	}
	/* Descriptor groups: a descriptor, then its images. */
	it = t->images.next;
	while (it != &t->images) {
		struct list *first = it;
		struct jnl_desc_entry *e;

		blk = meta[(*nmeta)++] = jnl_page();
		e = (struct jnl_desc_entry *)(blk + sizeof(struct jnl_header));
		for (n = 0; n < JNL_DESC_PER && it != &t->images;
		    n++, it = it->next)
			e[n].blkno = list_entry(it, struct jbuf, clink)->b->blkno;
		log_header(j, blk, JNL_DESC, n);
		LOG_OUT(blk);
		for (it = first; n > 0; n--, it = it->next)
			LOG_OUT(list_entry(it, struct jbuf, clink)->frozen);
	}
#undef LOG_OUT
	return rc;
}

/* Write t to the log and make it durable: 0 or -EIO. */
static int
txn_write(struct journal *j, struct transaction *t)
{
	unsigned nmeta = 0, maxmeta;
	struct jnl_commit *c;
	uint64_t pos;
	uint32_t crc = 0;
	void **meta;
	int rc;

	/* Ordered data: what the metadata points at is on disk first. */
	rc = bcache_sync(j->dev);
	if (rc != 0)
		return rc;
	maxmeta = (unsigned)(t->size - t->nbufs);
	meta = jnl_alloc(maxmeta * sizeof(void *));
	spin_lock(&j->lock);
	pos = j->head;
	spin_unlock(&j->lock);
	rc = txn_write_log(j, t, &pos, &crc, meta, &nmeta);
	if (rc == 0)
		rc = jio_flush(&j->io, j->dev);
	else
		(void)jio_wait(&j->io);
	if (rc == 0) {
		c = meta[nmeta++] = jnl_page();
		log_header(j, c, JNL_COMMIT, (uint32_t)(t->size - 1));
		c->commit_ns = clock_ns();
		c->h.crc = crc32c(crc, c, BLK_SIZE);
		rc = jio_write(&j->io, j->dev, j->start + pos, c);
		if (rc == 0)
			rc = jio_flush(&j->io, j->dev);
		else
			(void)jio_wait(&j->io);
	}
	KASSERT(nmeta <= maxmeta);
	while (nmeta > 0)
		jnl_page_free(meta[--nmeta]);
	kfree(meta);
	return rc;
}

static bool
txn_revoked(struct transaction *t, uint64_t blkno)
{
	struct list *it;

	list_foreach(it, &t->revokes) {
		if (list_entry(it, struct jrevoke, link)->blkno == blkno)
			return true;
	}
	return false;
}

/*
 * Free t's frozen images; queue the buffers no newer transaction holds
 * for release, unless the journal failed (then they stay pinned).
 */
static void
txn_drop_images(struct journal *j, struct transaction *t, bool unpin)
{
	spin_lock(&j->lock);
	while (!list_empty(&t->images)) {
		struct jbuf *jb = list_entry(list_pop_front(&t->images),
		    struct jbuf, clink);

		jnl_page_free(jb->frozen);
		jb->frozen = NULL;
		jb->last = NULL;
		if (jb->t == NULL && unpin)
			list_push_back(&j->unpin, &jb->clink);
	}
	spin_unlock(&j->lock);
}

/*
 * t is durable: write its images in place (but not the revoked ones:
 * those blocks may be file data next), free them, and run its
 * callbacks.  0 or -EIO.
 */
static int
txn_finish(struct journal *j, struct transaction *t)
{
	struct list *it;
	int rc = 0;

	list_foreach(it, &t->images) {
		struct jbuf *jb = list_entry(it, struct jbuf, clink);

		if (txn_revoked(t, jb->b->blkno))
			continue;
		rc = jio_write(&j->io, j->dev, jb->b->blkno, jb->frozen);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		rc = jio_wait(&j->io);
	else
		(void)jio_wait(&j->io);
	txn_drop_images(j, t, rc == 0);
	if (rc != 0)
		return rc;
	/* Before the callbacks, which may hand freed blocks to file data. */
	jnl_unpin(j);
	while (!list_empty(&t->callbacks)) {
		struct jcallback *cb = list_entry(list_pop_front(&t->callbacks),
		    struct jcallback, link);

		cb->fn(cb->arg);
		kfree(cb);
	}
	return 0;
}

static void
txn_free(struct transaction *t)
{
	struct list *l;

	while ((l = list_pop_front(&t->revokes)) != NULL)
		kfree(list_entry(l, struct jrevoke, link));
	while ((l = list_pop_front(&t->callbacks)) != NULL)
		kfree(list_entry(l, struct jcallback, link));
	kfree(t);
}

/* Commit the running transaction (the thread). */
static void
jnl_do_commit(struct journal *j)
{
	struct transaction *t = txn_snapshot(j);
	uint64_t room;
	bool failed;
	int rc = 0;

	spin_lock(&j->lock);
	room = j->cap - j->used;
	spin_unlock(&j->lock);
	/*
	 * Revoke records beyond the slack can make a transaction bigger
	 * than its reservation: empty the log first, or give up.
	 */
	if (t->size > room)
		jnl_do_checkpoint(j);
	if (t->size > j->cap) {
		printk("journal: %s: a transaction of %llu blocks does not fit "
		    "the log\n", j->dev->name, (unsigned long long)t->size);
		rc = -ENOSPC;
	}
	spin_lock(&j->lock);
	failed = j->aborted;
	spin_unlock(&j->lock);
	if (!failed && rc == 0 && t->size > 0)
		rc = txn_write(j, t);
	if (failed || rc != 0) {
		jnl_fail(j, rc != 0 ? rc : -EIO);
		txn_drop_images(j, t, false);
		spin_lock(&j->lock);
		j->committing = NULL;
		spin_unlock(&j->lock);
		txn_free(t);
		return;
	}
	spin_lock(&j->lock);
	if (t->size > 0) {
		j->head = jnl_pos_add(j->len, j->head, t->size);
		j->used += t->size;
		j->seq++;
		j->st.commits++;
		j->st.blocks += t->nbufs;
	}
	j->committing = NULL;
	j->done_tid = t->tid;
	spin_unlock(&j->lock);
	waitq_wake_all(&j->wq);
	rc = txn_finish(j, t);
	txn_free(t);
	if (rc != 0)
		jnl_fail(j, rc);
}

/*
 * Every committed transaction is in place: make that durable, then
 * empty the log in the superblock (the thread).
 */
static void
jnl_do_checkpoint(struct journal *j)
{
	struct jnl_super sb;
	uint64_t head;
	int rc;

	spin_lock(&j->lock);
	head = j->head;
	rc = j->aborted ? -EIO : 0;
	spin_unlock(&j->lock);
	if (rc != 0)
		return;		/* a failed journal writes nothing */
	rc = jio_flush(&j->io, j->dev);
	memset(&sb, 0, sizeof(sb));
	sb.magic = JNL_MAGIC;
	sb.version = JNL_VERSION;
	sb.block_size = BLK_SIZE;
	sb.start = j->start;
	sb.len = j->len;
	sb.nonce = j->nonce;
	sb.seq = j->seq;
	sb.tail = head;
	if (rc == 0)
		rc = jnl_write_super(j->dev, &sb);
	/* Durable before any block of the old log is written again. */
	if (rc == 0)
		rc = blk_rw(j->dev, BLK_FLUSH, 0, 0, NULL);
	if (rc != 0) {
		jnl_fail(j, rc);
		return;
	}
	spin_lock(&j->lock);
	j->tail = head;
	j->used = 0;
	j->st.checkpoints++;
	spin_unlock(&j->lock);
	waitq_wake_all(&j->wq);
}

/*
 * Release the buffers no transaction holds any more.  A buffer someone
 * holds locked stays for the next pass (they may be about to dirty it
 * again, and waiting for its lock here could wait for a thread that
 * waits for this one); jnl_close takes the rest.
 */
static void
jnl_unpin(struct journal *j)
{
	struct list *it, *tmp, done;

	list_init(&done);
	spin_lock(&j->lock);
	list_foreach_safe(it, tmp, &j->unpin) {
		struct jbuf *jb = list_entry(it, struct jbuf, clink);

		if (!mutex_trylock(&jb->b->lock))
			continue;
		list_remove(&jb->clink);
		list_push_back(&done, &jb->clink);
	}
	spin_unlock(&j->lock);
	while ((it = list_pop_front(&done)) != NULL) {
		struct jbuf *jb = list_entry(it, struct jbuf, clink);

		list_init(&jb->clink);
		jbuf_drop(j, jb, false);
	}
}

/*
 * Heap one commit or checkpoint by the thread may use, reserved before
 * it starts (no lock held): the commit's array of log blocks, a pointer
 * per block of the log at most, and JNL_THREAD_HEAP for the rest (the
 * after-commit callbacks, the device's requests), far above the marks
 * measured so far (docs/memory.md).
 */
#define JNL_THREAD_HEAP		(16 * 1024)

static size_t
thread_bound(const struct journal *j)
{
	return JNL_THREAD_HEAP + (size_t)j->len * sizeof(void *);
}

static void
jnl_thread(void *arg)
{
	struct journal *j = arg;
	uint64_t now, deadline;
	struct transaction *t;
	bool commit, ckpt;

	spin_lock(&j->lock);
	for (;;) {
		now = clock_ns();
		t = j->running;
		commit = t != NULL && !j->aborted && (j->commit_req >= t->tid ||
		    j->closing || now >= t->start_ns + JNL_COMMIT_INTERVAL_NS);
		ckpt = !j->aborted && j->used > 0 && (j->ckpt_req ||
		    j->closing || j->used > (j->cap - j->slack) / 2);
		if (commit) {
			spin_unlock(&j->lock);
			reserve_begin(thread_bound(j), "jcommit");
			jnl_do_commit(j);
			jnl_unpin(j);
			reserve_end();
			spin_lock(&j->lock);
			continue;
		}
		if (ckpt) {
			j->ckpt_req = false;
			spin_unlock(&j->lock);
			reserve_begin(thread_bound(j), "jcommit");
			jnl_do_checkpoint(j);
			reserve_end();
			spin_lock(&j->lock);
			continue;
		}
		j->ckpt_req = false;
		if (j->aborted || t == NULL)
			waitq_wake_all(&j->wq);	/* nothing to wait for */
		if (j->closing && (t == NULL || j->aborted))
			break;
		if (!list_empty(&j->unpin)) {
			spin_unlock(&j->lock);
			jnl_unpin(j);
			spin_lock(&j->lock);
		}
		if (t != NULL)
			deadline = t->start_ns + JNL_COMMIT_INTERVAL_NS;
		else if (j->used > 0 || !list_empty(&j->unpin))
			deadline = now + JNL_COMMIT_INTERVAL_NS;
		else
			deadline = 0;
		if (deadline == 0) {
			waitq_wait(&j->twq, &j->lock);
		} else if (waitq_wait_deadline(&j->twq, &j->lock, deadline) ==
		    -ETIMEDOUT && j->running == NULL && j->used > 0) {
			/* Idle for an interval: empty the log. */
			j->ckpt_req = true;
		}
	}
	spin_unlock(&j->lock);
}
