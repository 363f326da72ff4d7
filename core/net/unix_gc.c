/*
 * Collecting AF_UNIX sockets that only files in flight keep alive.
 *
 * A socket whose file sits in its own queue, or two sockets each in the
 * other's, keep each other open after every fd is closed: their files'
 * last references are the records that carry them, and only a receive
 * or a release would drop those.  As Linux's unix_gc, this finds them:
 *
 *  1. candidates are sockets whose every file reference is in flight
 *     (file refs == inflight): no fd or thread can reach them directly;
 *  2. for each candidate, count the references that come from the
 *     queues of other candidates (gc_in);
 *  3. a candidate with more in-flight references than that is reachable
 *     from outside (some live socket's queue holds it), so it lives, and
 *     so does every candidate its own queue holds; repeat to a fixpoint;
 *  4. the candidates left are garbage: their queued records are taken
 *     out, and dropping them (outside unix_lock) drops the last file
 *     references, which releases the sockets.
 *
 * Everything runs under unix_lock, which every queue change takes, so
 * the counts hold still.  File reference counts move outside it, but
 * only down for a candidate (nothing can find a file that only queues
 * hold), so a race only makes the collector keep something one more
 * round.  It runs when an AF_UNIX socket is released while files are in
 * flight, as Linux runs it from unix_release_sock; sockets a collection
 * releases do not start another.
 */
#include "lib/list.h"
#include "net/unix.h"

enum { GC_NONE, GC_CAND, GC_ALIVE };

static struct list all_socks = LIST_INIT(all_socks);	/* [L] */
static int total_inflight;				/* [L] */
static bool gc_running;					/* [L] */

/* The AF_UNIX socket behind f, or NULL. */
static struct unix_sock *
unix_of(struct file *f)
{
	struct socket *so = socket_of(f);

	return so != NULL && so->family == AF_UNIX ? so->pcb : NULL;
}

void
unix_gc_track(struct unix_sock *us, bool on)
{
	if (on)
		list_push_back(&all_socks, &us->all_link);
	else
		list_remove(&us->all_link);
}

void
unix_inflight(struct unix_rec *r, int delta)
{
	struct unix_sock *s;
	int i;

	for (i = 0; i < r->nfiles; i++)
		if ((s = unix_of(r->files[i])) != NULL) {
			s->inflight += delta;
			total_inflight += delta;
		}
}

/* Add delta to gc_in of every candidate the queue of us holds.  [L] */
static void
count_queue(struct unix_sock *us, int delta)
{
	struct unix_rec *r;
	struct unix_sock *s;
	struct list *it;
	int i;

	list_foreach(it, &us->recs) {
		r = list_entry(it, struct unix_rec, link);
		for (i = 0; i < r->nfiles; i++)
			if ((s = unix_of(r->files[i])) != NULL &&
			    s->gc_state == GC_CAND)
				s->gc_in += delta;
	}
}

/* Steps 1-3 of the essay: mark candidates, then the living.  [L] */
static bool
mark(void)
{
	struct unix_sock *us;
	struct list *it;
	bool any = false, changed = true;

	list_foreach(it, &all_socks) {
		us = list_entry(it, struct unix_sock, all_link);
		us->gc_state = GC_NONE;
		us->gc_in = 0;
		if (us->inflight > 0 && us->so != NULL &&
		    __atomic_load_n(&us->so->file->refs, __ATOMIC_ACQUIRE) ==
		    us->inflight) {
			us->gc_state = GC_CAND;
			any = true;
		}
	}
	if (!any)
		return false;
	list_foreach(it, &all_socks) {
		us = list_entry(it, struct unix_sock, all_link);
		if (us->gc_state == GC_CAND)
			count_queue(us, 1);
	}
	while (changed) {
		changed = false;
		list_foreach(it, &all_socks) {
			us = list_entry(it, struct unix_sock, all_link);
			if (us->gc_state != GC_CAND ||
			    us->gc_in >= us->inflight)
				continue;
			/* Reachable: what it holds is reached through it. */
			us->gc_state = GC_ALIVE;
			count_queue(us, -1);
			changed = true;
		}
	}
	return true;
}

void
unix_gc(void)
{
	struct list garbage, *it;
	struct unix_sock *us;
	struct unix_rec *r;

	list_init(&garbage);
	spin_lock(&unix_lock);
	if (total_inflight == 0 || gc_running || !mark()) {
		spin_unlock(&unix_lock);
		return;
	}
	gc_running = true;
	list_foreach(it, &all_socks) {
		us = list_entry(it, struct unix_sock, all_link);
		if (us->gc_state != GC_CAND)
			continue;
		while (!list_empty(&us->recs)) {
			r = list_entry(list_pop_front(&us->recs),
			    struct unix_rec, link);
			unix_inflight(r, -1);
			if (r->data != NULL) {
				us->qlen--;
				us->qbytes -= r->len;
			}
			list_push_back(&garbage, &r->link);
		}
	}
	spin_unlock(&unix_lock);
	while (!list_empty(&garbage)) {
		r = list_entry(list_pop_front(&garbage), struct unix_rec, link);
		unix_rec_put(r);
	}
	spin_lock(&unix_lock);
	gc_running = false;
	spin_unlock(&unix_lock);
}
