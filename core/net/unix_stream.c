/*
 * AF_UNIX SOCK_STREAM data: a byte stream into the receiver's ring.
 *
 * Each connected stream socket has a UNIX_RING-byte ring that its peer
 * writes into; `pos` counts the bytes that ever left it, so a position
 * names one byte of the stream for good.  A send copies at most
 * UNIX_CHUNK bytes from the user into a bounce buffer, then puts as
 * much as fits under unix_lock, waiting for room as a pipe writer does;
 * a receive takes bytes out under the lock and copies them out after.
 *
 * Control data (SCM_RIGHTS, credentials) rides in a record on the
 * receiver's queue naming the stream position of the first byte it came
 * with and how many bytes that first piece had, as Linux attaches it to
 * the first skb of a send.  A receive never reads across the start of
 * such a record: it stops before it, or, when the record is at the head,
 * takes its files and reads at most its bytes, so the files arrive with
 * the bytes they were sent with.
 *
 * Errors are Linux's: a send on an unconnected socket is ENOTCONN, with
 * an address EOPNOTSUPP (EISCONN when connected), after SHUT_WR or once
 * the peer is gone or shut its reading EPIPE; a receive on a socket that
 * is not connected is EINVAL, and returns 0 at end of stream.
 */
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/unix.h"
#include "proc/signal.h"

/* Copy n bytes into the ring of `to` (there is room). [L] */
static void
ring_put(struct unix_sock *to, const char *buf, size_t n)
{
	size_t tail = (to->head + to->len) % UNIX_RING;
	size_t first = MIN(n, UNIX_RING - tail);

	memcpy(to->ring + tail, buf, first);
	memcpy(to->ring, buf + first, n - first);
	to->len += n;
}

/* Copy n bytes at offset skip from the head out; consume them unless peek. */
static void
ring_get(struct unix_sock *us, char *buf, size_t skip, size_t n, bool peek)
{
	size_t at = (us->head + skip) % UNIX_RING;
	size_t first = MIN(n, UNIX_RING - at);

	memcpy(buf, us->ring + at, first);
	memcpy(buf + first, us->ring, n - first);
	if (!peek) {
		us->head = (us->head + n) % UNIX_RING;
		us->len -= n;
		us->pos += n;
	}
}

/*
 * Wait for room in the peer's ring: the peer (unix_lock held on return,
 * as on entry), or NULL with *err.
 */
static struct unix_sock *
wait_room(struct unix_sock *us, bool nonblock, uint64_t deadline,
    uint64_t timeo, int *err)
{
	struct unix_sock *to;

	for (;;) {
		to = us->peer;
		if (to == NULL) {
			*err = -ENOTCONN;
			return NULL;
		}
		if ((us->shut & SEND_SHUT) || to->dead ||
		    (to->shut & RCV_SHUT)) {
			*err = -EPIPE;
			return NULL;
		}
		if (to->len < UNIX_RING)
			return to;
		if (nonblock) {
			*err = -EAGAIN;
			return NULL;
		}
		if ((*err = unix_wait(&to->wq, deadline, timeo)) != 0)
			return NULL;
	}
}

/*
 * Put buf[0..n) into the peer's ring, waiting for room as needed;
 * *rec (control data) goes in with the first byte.  Returns bytes put,
 * with *err set when it stopped short.
 */
static size_t
put_bytes(struct socket *so, const char *buf, size_t n, int flags,
    struct unix_rec **rec, int *err)
{
	struct unix_sock *us = so->pcb, *to;
	uint64_t timeo = so->sndtimeo, deadline = socket_deadline(timeo);
	size_t put = 0, k;

	while (put < n) {
		spin_lock(&unix_lock);
		to = wait_room(us, (flags & MSG_DONTWAIT) != 0, deadline, timeo,
		    err);
		if (to == NULL) {
			spin_unlock(&unix_lock);
			break;
		}
		k = MIN(n - put, UNIX_RING - to->len);
		if (*rec != NULL) {
			(*rec)->pos = to->pos + to->len;
			(*rec)->len = k;
			list_push_back(&to->recs, &(*rec)->link);
			unix_inflight(*rec, 1);
			*rec = NULL;
		}
		ring_put(to, buf + put, k);
		put += k;
		unix_event(to);
		unix_get(to);
		spin_unlock(&unix_lock);
		unix_kick(to);
		unix_put(to);
	}
	return put;
}

ssize_t
unix_stream_send(struct socket *so, struct kmsg *m, int flags)
{
	struct unix_sock *us = so->pcb;
	struct unix_rec *rec = NULL;
	size_t sent = 0, got, before, put;
	char *buf;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	spin_lock(&unix_lock);
	if (m->addrlen != 0)
		err = us->state == UNIX_CONN ? -EISCONN : -EOPNOTSUPP;
	else if (us->peer == NULL)
		err = -ENOTCONN;
	else if (us->shut & SEND_SHUT)
		err = -EPIPE;
	spin_unlock(&unix_lock);
	if (err != 0)
		return err;
	if (m->nfiles > 0 || m->has_creds) {
		rec = kzalloc(sizeof(*rec));
		rec->refs = 1;
		rec->files = m->files;
		rec->nfiles = m->nfiles;
		socket_self_creds(&rec->creds);
		m->files = NULL;
		m->nfiles = 0;
	}
	buf = kmalloc(UNIX_CHUNK);
	while (m->uio->resid > 0 && err == 0) {
		before = m->uio->done;
		err = uio_copyin(buf, MIN(m->uio->resid, UNIX_CHUNK), m->uio);
		got = m->uio->done - before;
		put = put_bytes(so, buf, got, flags, &rec, &err);
		sent += put;
		if (put < got)
			break;
	}
	kfree(buf);
	if (rec != NULL)
		unix_rec_free(rec);	/* nothing sent: drop the files */
	return sent > 0 ? (ssize_t)sent : err;
}

/*
 * How many of the avail bytes at skip past the head one step may take,
 * given the control records (see the essay); the record at the head, if
 * this step starts there, is unlinked into *head_rec.  [L]
 */
static size_t
step_limit(struct unix_sock *us, size_t skip, size_t avail, bool peek,
    struct unix_rec **head_rec, bool *stop)
{
	struct unix_rec *r;
	uint64_t at = us->pos + skip;

	*stop = false;
	if (list_empty(&us->recs))
		return avail;
	r = list_first_entry(&us->recs, struct unix_rec, link);
	if (r->pos > at)
		return MIN(avail, (size_t)(r->pos - at));
	/* A record starts here: its bytes, alone. */
	*stop = true;
	if (!peek) {
		list_remove(&r->link);
		unix_inflight(r, -1);
		*head_rec = r;
	}
	return MIN(avail, r->len);
}

/* Hand a record's files and credentials to the receiver. */
static void
take_rec(struct kmsg *m, struct unix_rec *r)
{
	m->files = r->files;
	m->nfiles = r->nfiles;
	m->creds = r->creds;
	m->has_creds = true;
	r->files = NULL;
	r->nfiles = 0;
	unix_rec_free(r);
}

/*
 * Wait until there is something to read (0), or the end of the read:
 * 1 at end of stream, -errno.  [L]
 */
static int
wait_data(struct socket *so, struct unix_sock *us, size_t skip, int flags,
    uint64_t deadline)
{
	int err;

	for (;;) {
		if (us->len > skip)
			return 0;
		if ((err = __atomic_exchange_n(&so->error, 0,
		    __ATOMIC_RELAXED)) != 0)
			return -err;
		if (us->shut & RCV_SHUT)
			return 1;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if ((err = unix_wait(&us->rq, deadline, so->rcvtimeo)) != 0)
			return err;
	}
}

ssize_t
unix_stream_recv(struct socket *so, struct kmsg *m, int flags)
{
	struct unix_sock *us = so->pcb, *peer;
	struct unix_rec *hr;
	uint64_t deadline = socket_deadline(so->rcvtimeo);
	bool peek = (flags & MSG_PEEK) != 0, stop = false;
	size_t target, skip = 0, n;
	char *buf;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->uio->resid == 0)
		return 0;
	target = (flags & MSG_WAITALL) ? m->uio->resid : 1;
	buf = kmalloc(UNIX_CHUNK);
	spin_lock(&unix_lock);
	if (us->state != UNIX_CONN)
		err = -EINVAL;
	while (err == 0 && !stop && m->uio->resid > 0) {
		if (us->len <= skip && m->uio->done >= target)
			break;
		if ((err = wait_data(so, us, skip, flags, deadline)) != 0)
			break;
		hr = NULL;
		n = step_limit(us, skip, us->len - skip, peek, &hr, &stop);
		if (hr != NULL && m->uio->done > 0) {
			list_push_front(&us->recs, &hr->link);
			unix_inflight(hr, 1);
			break;	/* its files go with the next read */
		}
		n = MIN(MIN(n, m->uio->resid), UNIX_CHUNK);
		ring_get(us, buf, skip, n, peek);
		if (peek)
			skip += n;
		else if ((peer = us->peer) != NULL)
			unix_event(peer);	/* room for its writes */
		spin_unlock(&unix_lock);
		if (hr != NULL)
			take_rec(m, hr);
		unix_kick(us);
		if (uio_copyout(m->uio, buf, n) != 0)
			err = -EFAULT;
		spin_lock(&unix_lock);
	}
	if (us->peer != NULL && us->peer->addr.len != 0) {
		m->addr = us->peer->addr.sa;
		m->addrlen = us->peer->addr.len;
	}
	spin_unlock(&unix_lock);
	kfree(buf);
	if (err == 1)
		err = 0;	/* end of stream */
	return m->uio->done > 0 ? (ssize_t)m->uio->done : err;
}
