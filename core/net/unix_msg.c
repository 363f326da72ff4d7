/*
 * AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET data: whole messages.
 *
 * A send copies the whole message into a record first (at most
 * UNIX_MSG_MAX bytes, and what SO_SNDBUF allows, else EMSGSIZE), then
 * queues it on the receiver under unix_lock with the sender's name,
 * credentials and any files in flight.  A receive takes the first
 * record; bytes past the caller's buffer are dropped and MSG_TRUNC says
 * so (and, asked with MSG_TRUNC, the call returns the real length).
 * MSG_PEEK holds a reference to the record while it copies, so the data
 * stays valid if another thread takes it meanwhile.
 *
 * A datagram receiver's queue is full past UNIX_DGRAM_QLEN messages
 * from senders it is not connected to, or past the sender's SO_SNDBUF
 * in bytes (the only limit for a connected pair and for seqpacket), as
 * on Linux: a sender waits, or fails with EAGAIN when non-blocking.
 * A datagram to a closed peer is ECONNREFUSED and disconnects the
 * sender; to a socket connected elsewhere EPERM.  Seqpacket sockets
 * must be connected (ENOTCONN), ignore a destination, and see EPIPE
 * and end of file as stream sockets do.
 */
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/unix.h"

/* The destination of a send, referenced: 0 or -errno. */
static int
destination(struct unix_sock *us, struct kmsg *m, struct unix_sock **to)
{
	int err = 0;

	if (us->type == SOCK_DGRAM && m->addrlen != 0)
		return unix_lookup(&m->addr, m->addrlen, SOCK_DGRAM, to);
	spin_lock(&unix_lock);
	if (us->type == SOCK_SEQPACKET && us->state != UNIX_CONN)
		err = -ENOTCONN;
	else if ((*to = us->peer) == NULL)
		err = -ENOTCONN;
	else
		unix_get(*to);
	spin_unlock(&unix_lock);
	return err;
}

/* Would one more message of len bytes overfill to's queue?  [L] */
static bool
queue_full(struct unix_sock *us, struct unix_sock *to, size_t len)
{
	if (us->type == SOCK_DGRAM && to->peer != us &&
	    to->qlen > UNIX_DGRAM_QLEN)
		return true;
	return to->qbytes > 0 &&
	    to->qbytes + len > (size_t)__atomic_load_n(&us->so->sndbuf,
	    __ATOMIC_RELAXED);
}

/*
 * Queue r on `to`, waiting for room: 0 or -errno.  *gone is set to a
 * dead peer this disconnected (its reference is the caller's to drop).
 * [L]
 */
static int
enqueue(struct socket *so, struct unix_sock *to, struct unix_rec *r,
    int flags, struct unix_sock **gone)
{
	struct unix_sock *us = so->pcb;
	uint64_t timeo = so->sndtimeo, deadline = socket_deadline(timeo);
	int err;

	for (;;) {
		if (to->dead) {
			if (us->type == SOCK_SEQPACKET)
				return -EPIPE;
			if (us->peer == to) {
				us->peer = NULL;
				us->state = UNIX_UNCONN;
				*gone = to;
			}
			return -ECONNREFUSED;
		}
		if (us->shut & SEND_SHUT)
			return -EPIPE;
		if (us->type == SOCK_DGRAM && to->peer != NULL &&
		    to->peer != us)
			return -EPERM;
		if (to->shut & RCV_SHUT)
			return -EPIPE;
		if (!queue_full(us, to, r->len))
			break;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if ((err = unix_wait(&to->wq, deadline, timeo)) != 0)
			return err;
	}
	r->from = us->addr;
	list_push_back(&to->recs, &r->link);
	unix_inflight(r, 1);
	to->qlen++;
	to->qbytes += r->len;
	unix_event(to);
	return 0;
}

ssize_t
unix_msg_send(struct socket *so, struct kmsg *m, int flags)
{
	struct unix_sock *us = so->pcb, *to, *gone = NULL;
	size_t len = m->uio->resid, max;
	struct unix_rec *r;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	max = (size_t)__atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED) - 32;
	if (len > MIN(max, (size_t)UNIX_MSG_MAX))
		return -EMSGSIZE;
	if ((err = destination(us, m, &to)) != 0)
		return err;
	r = kzalloc(sizeof(*r));
	r->refs = 1;
	r->len = len;
	r->data = kmalloc(len > 0 ? len : 1);
	socket_self_creds(&r->creds);
	if (uio_copyin(r->data, len, m->uio) != 0 || m->uio->done != len) {
		unix_rec_free(r);
		unix_put(to);
		return -EFAULT;
	}
	r->files = m->files;
	r->nfiles = m->nfiles;
	spin_lock(&unix_lock);
	err = enqueue(so, to, r, flags, &gone);
	spin_unlock(&unix_lock);
	if (err != 0) {
		/* The files go back to the caller, who drops them. */
		r->files = NULL;
		r->nfiles = 0;
		unix_rec_free(r);
	} else {
		m->files = NULL;
		m->nfiles = 0;
		unix_kick(to);
	}
	unix_put(to);
	if (gone != NULL)
		unix_put(gone);
	return err != 0 ? err : (ssize_t)len;
}

/* Wait for a record: the first one, or NULL with *err (0: EOF).  [L] */
static struct unix_rec *
wait_rec(struct socket *so, struct unix_sock *us, int flags, int *err)
{
	uint64_t deadline = socket_deadline(so->rcvtimeo);
	int e;

	for (;;) {
		if (!list_empty(&us->recs))
			return list_first_entry(&us->recs, struct unix_rec,
			    link);
		if ((e = __atomic_exchange_n(&so->error, 0,
		    __ATOMIC_RELAXED)) != 0) {
			*err = -e;
			return NULL;
		}
		if (us->shut & RCV_SHUT) {
			*err = 0;
			return NULL;
		}
		if (flags & MSG_DONTWAIT) {
			*err = -EAGAIN;
			return NULL;
		}
		if ((*err = unix_wait(&us->rq, deadline, so->rcvtimeo)) != 0)
			return NULL;
	}
}

ssize_t
unix_msg_recv(struct socket *so, struct kmsg *m, int flags)
{
	struct unix_sock *us = so->pcb;
	bool peek = (flags & MSG_PEEK) != 0;
	struct unix_rec *r;
	size_t n, len;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	spin_lock(&unix_lock);
	if (us->type == SOCK_SEQPACKET && us->state != UNIX_CONN) {
		spin_unlock(&unix_lock);
		return -ENOTCONN;
	}
	if ((r = wait_rec(so, us, flags, &err)) == NULL) {
		spin_unlock(&unix_lock);
		return err;
	}
	if (peek)
		r->refs++;
	else {
		list_remove(&r->link);
		unix_inflight(r, -1);
		us->qlen--;
		us->qbytes -= r->len;
		if (us->peer != NULL)
			unix_event(us->peer);	/* room for its sends */
	}
	spin_unlock(&unix_lock);
	if (!peek)
		unix_kick(us);
	len = r->len;
	n = MIN(len, m->uio->resid);
	if (uio_copyout(m->uio, r->data, n) != 0)
		err = -EFAULT;
	if (len > n)
		m->flags_out |= MSG_TRUNC;
	m->addr = r->from.sa;
	m->addrlen = r->from.len;
	m->creds = r->creds;
	m->has_creds = true;
	if (!peek) {
		m->files = r->files;
		m->nfiles = r->nfiles;
		r->files = NULL;
		r->nfiles = 0;
	}
	unix_rec_put(r);
	if (err != 0)
		return err;
	return (flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)n;
}
