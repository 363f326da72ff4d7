/*
 * AF_UNIX sockets (unix(7)): names, connections and their lifetime.
 *
 * Three types share this file: SOCK_STREAM (a byte stream into a ring
 * per receiving socket, unix_stream.c), SOCK_SEQPACKET (a connection
 * carrying messages) and SOCK_DGRAM (messages to a named or connected
 * socket; both in unix_msg.c).  The locking and lifetime rules are in
 * net/unix.h.
 *
 * Names.  bind(2) to a path makes a socket inode there
 * (fs/vfs_sock.c) and keeps a reference to it; a name whose first byte
 * is NUL is abstract and lives only in the bound table.  connect and
 * sendto find a path's inode with the path walk (search permission on
 * the way, write permission on the socket) and then the socket bound
 * to that inode; a socket inode with nobody bound to it any more (the
 * socket was closed, the file left behind, as on Linux) refuses the
 * connection.  bind with only the family autobinds to an abstract name
 * of five hex digits, as Linux does.
 *
 * Connections.  connect(2) on a stream or seqpacket socket makes the
 * server's socket at once (as Linux does): a new socket connected to
 * the caller, queued on the listener until accept(2) takes it.  A
 * listener holds more than `backlog` of them only after waiting: a
 * blocking connect sleeps until accept makes room, a non-blocking one
 * fails with EAGAIN; there is no EINPROGRESS for AF_UNIX.  Closing a
 * listener closes its unaccepted sockets, and their peers read
 * ECONNRESET.
 *
 * Shutdown and close.  Each socket keeps Linux's shutdown bits: its own
 * SHUT_WR sets the peer's RCV_SHUT (EOF after the data), its SHUT_RD the
 * peer's SEND_SHUT (EPIPE); a closing socket sets both on its peer, and
 * ECONNRESET too when it still had data unread.
 *
 * File descriptors in flight (SCM_RIGHTS) are file references held by
 * the records of the receiving socket; closing it drops them.  Sockets
 * that hold each other's files in flight after every fd is closed are
 * found and freed by the collector in unix_gc.c.
 */
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/unix.h"
#include "proc/signal.h"

#define SUN_PATH_OFF	2	/* offsetof(sockaddr_un, sun_path) */
#define SUN_LEN_MAX	110	/* sizeof(struct sockaddr_un) */
#define SOL_UNIX_LEVEL	SOL_SOCKET

struct spinlock unix_lock = SPINLOCK_INIT("unix");
static struct list bound = LIST_INIT(bound);	/* [L] by bound_link */
static unsigned autobind_next;			/* [L] */

static const struct proto_ops unix_ops;

void
unix_get(struct unix_sock *us)
{
	us->refs++;
}

void
unix_put(struct unix_sock *us)
{
	bool last;

	spin_lock(&unix_lock);
	last = --us->refs == 0;
	if (last)
		unix_gc_track(us, false);
	spin_unlock(&unix_lock);
	if (!last)
		return;
	kfree(us->ring);
	kfree(us);
}

void
unix_event(struct unix_sock *us)
{
	if (us->so != NULL)
		__atomic_add_fetch(&us->so->events, 1, __ATOMIC_RELEASE);
}

void
unix_kick(struct unix_sock *us)
{
	waitq_wake_all(&us->rq);
	waitq_wake_all(&us->wq);
	poll_notify();
}

int
unix_wait(struct waitq *wq, uint64_t deadline, uint64_t timeo)
{
	int r;

	if (deadline == SOCK_FOREVER)
		r = waitq_wait_intr(wq, &unix_lock);
	else
		r = waitq_wait_deadline_intr(wq, &unix_lock, deadline);
	if (r == -EINTR)
		return socket_intr_errno(timeo);
	return r == -ETIMEDOUT ? -EAGAIN : 0;
}

void
unix_rec_free(struct unix_rec *r)
{
	int i;

	for (i = 0; i < r->nfiles; i++)
		file_unref(r->files[i]);
	kfree(r->files);
	kfree(r->data);
	kfree(r);
}

void
unix_rec_put(struct unix_rec *r)
{
	bool last;

	spin_lock(&unix_lock);
	last = --r->refs == 0;
	spin_unlock(&unix_lock);
	if (last)
		unix_rec_free(r);
}

/*
 * Check a sockaddr_un and bring it to the form getsockname reports: a
 * path's length counts its NUL, an abstract name is all len bytes.
 * path gets the path (NUL-terminated) or "" for an abstract name.
 */
static int
parse_addr(const struct ksockaddr *a, size_t len, struct unix_addr *out,
    char *path)
{
	size_t n;

	if (len <= SUN_PATH_OFF || len > SUN_LEN_MAX || a->family != AF_UNIX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->sa.family = AF_UNIX;
	path[0] = '\0';
	if (a->data[0] == '\0') {
		memcpy(out->sa.data, a->data, len - SUN_PATH_OFF);
		out->len = len;
		return 0;
	}
	for (n = 0; n < len - SUN_PATH_OFF && a->data[n] != '\0'; n++)
		;
	memcpy(path, a->data, n);
	path[n] = '\0';
	memcpy(out->sa.data, a->data, n);
	out->len = SUN_PATH_OFF + n + 1;
	return 0;
}

static bool
same_abstract(const struct unix_addr *x, const struct unix_addr *y)
{
	return x->len == y->len && x->sa.data[0] == '\0' &&
	    y->sa.data[0] == '\0' &&
	    memcmp(x->sa.data, y->sa.data, x->len - SUN_PATH_OFF) == 0;
}

/* The live socket bound to abstract name a or inode ip ([L]), or NULL. */
static struct unix_sock *
find_bound(const struct unix_addr *a, const struct inode *ip)
{
	struct unix_sock *us;
	struct list *it;

	list_foreach(it, &bound) {
		us = list_entry(it, struct unix_sock, bound_link);
		if (us->dead)
			continue;
		if (ip != NULL ? us->inode == ip : same_abstract(&us->addr, a))
			return us;
	}
	return NULL;
}

int
unix_lookup(const struct ksockaddr *a, size_t len, int type,
    struct unix_sock **out)
{
	char path[SUN_LEN_MAX];
	struct unix_addr ua;
	struct unix_sock *us;
	struct dentry *d;
	struct inode *ip = NULL;
	int err;

	if ((err = parse_addr(a, len, &ua, path)) != 0)
		return err;
	if (path[0] != '\0') {
		vfs_lock();
		err = namei(NULL, path, WALK_FOLLOW, &d);
		if (err == 0 && (d->inode->mode & S_IFMT) != S_IFSOCK)
			err = -ECONNREFUSED;
		if (err == 0)
			err = vfs_permission(d->inode, MAY_WRITE);
		if (err != 0) {
			vfs_unlock();
			return err;
		}
		ip = d->inode;
	}
	spin_lock(&unix_lock);
	us = find_bound(&ua, ip);
	if (us == NULL)
		err = -ECONNREFUSED;
	else if (us->type != type)
		err = -EPROTOTYPE;
	else
		unix_get(us);
	spin_unlock(&unix_lock);
	if (ip != NULL)
		vfs_unlock();
	*out = us;
	return err;
}

/* Bind to a fresh abstract name ("\0" and five hex digits). */
static int
autobind(struct unix_sock *us)
{
	static const char hex[] = "0123456789abcdef";
	struct unix_addr a;
	unsigned n, tries;
	int i;

	memset(&a, 0, sizeof(a));
	a.sa.family = AF_UNIX;
	a.len = SUN_PATH_OFF + 6;
	spin_lock(&unix_lock);
	if (us->addr.len != 0) {
		spin_unlock(&unix_lock);
		return -EINVAL;
	}
	for (tries = 0; tries < 0x100000; tries++) {
		n = autobind_next++ & 0xfffff;
		for (i = 0; i < 5; i++)
			a.sa.data[5 - i] = hex[(n >> (4 * i)) & 15];
		if (find_bound(&a, NULL) == NULL) {
			us->addr = a;
			list_push_back(&bound, &us->bound_link);
			spin_unlock(&unix_lock);
			return 0;
		}
	}
	spin_unlock(&unix_lock);
	return -ENOSPC;
}

/*
 * bind(2) of a bound socket to a path: Linux makes the node before it
 * looks at the socket, so the path's errors (EADDRINUSE, ENOENT...)
 * come before EINVAL.
 */
static int
rebind_error(const char *path)
{
	struct dentry *d, *dir;
	const char *last;
	size_t n;
	bool trailing;
	int err;

	vfs_lock();
	if ((err = namei(NULL, path, 0, &d)) == 0)
		err = -EADDRINUSE;
	else if (err == -ENOENT &&
	    (err = namei_parent(NULL, path, &dir, &last, &n, &trailing)) == 0)
		err = -EINVAL;
	vfs_unlock();
	return err;
}

static int
unix_bind(struct socket *so, const struct ksockaddr *a, size_t len)
{
	struct unix_sock *us = so->pcb;
	char path[SUN_LEN_MAX];
	struct unix_addr ua;
	struct inode *ip = NULL;
	int err;

	if (len == SUN_PATH_OFF && a->family == AF_UNIX)
		return autobind(us);
	if ((err = parse_addr(a, len, &ua, path)) != 0)
		return err;
	spin_lock(&unix_lock);
	err = us->addr.len != 0 ? -EINVAL : 0;
	spin_unlock(&unix_lock);
	if (err != 0)
		return path[0] != '\0' ? rebind_error(path) : err;
	if (path[0] != '\0' && (err = vfs_mksock(path, 0777, &ip)) != 0)
		return err == -EEXIST ? -EADDRINUSE : err;
	spin_lock(&unix_lock);
	if (us->addr.len != 0)
		err = -EINVAL;		/* another thread bound it */
	else if (ip == NULL && find_bound(&ua, NULL) != NULL)
		err = -EADDRINUSE;
	else {
		us->addr = ua;
		us->inode = ip;
		list_push_back(&bound, &us->bound_link);
	}
	spin_unlock(&unix_lock);
	if (err != 0 && ip != NULL) {
		vfs_lock();
		inode_put(ip);
		vfs_unlock();
	}
	return err;
}

static int
unix_listen(struct socket *so, int backlog)
{
	struct unix_sock *us = so->pcb;
	struct ucred c;
	int err = 0;

	if (us->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	socket_self_creds(&c);
	spin_lock(&unix_lock);
	if (us->addr.len == 0 || us->state == UNIX_CONN)
		err = -EINVAL;
	else {
		us->state = UNIX_LISTEN;
		us->backlog = backlog;
		us->peercred = c;
		us->has_peercred = true;
	}
	spin_unlock(&unix_lock);
	unix_kick(us);
	return err;
}

/* Connect a and b to each other (unix_lock held). */
static void
pair_locked(struct unix_sock *a, struct unix_sock *b)
{
	a->peer = b;
	b->peer = a;
	unix_get(a);
	unix_get(b);
	a->state = b->state = UNIX_CONN;
}

static int
unix_socketpair(struct socket *sa, struct socket *sb)
{
	struct unix_sock *a = sa->pcb, *b = sb->pcb;
	struct ucred c;

	socket_self_creds(&c);
	if (a->type == SOCK_STREAM) {
		a->ring = kmalloc(UNIX_RING);
		b->ring = kmalloc(UNIX_RING);
	}
	spin_lock(&unix_lock);
	if (a->type != SOCK_DGRAM)
		pair_locked(a, b);
	else {
		a->peer = b;
		b->peer = a;
		unix_get(a);
		unix_get(b);
	}
	a->peercred = b->peercred = c;
	a->has_peercred = b->has_peercred = true;
	spin_unlock(&unix_lock);
	return 0;
}

/* connect(2) on a datagram socket: set or (AF_UNSPEC) drop the peer. */
static int
dgram_connect(struct unix_sock *us, const struct ksockaddr *a, size_t len)
{
	struct unix_sock *to = NULL, *old;
	int err = 0;

	if (len >= sizeof(a->family) && a->family == AF_UNSPEC)
		to = NULL;
	else if ((err = unix_lookup(a, len, SOCK_DGRAM, &to)) != 0)
		return err;
	spin_lock(&unix_lock);
	if (to != NULL && to != us && to->peer != NULL && to->peer != us) {
		spin_unlock(&unix_lock);
		unix_put(to);
		return -EPERM;
	}
	old = us->peer;
	us->peer = to;		/* takes the lookup's reference */
	us->state = to != NULL ? UNIX_CONN : UNIX_UNCONN;
	spin_unlock(&unix_lock);
	if (old != NULL)
		unix_put(old);
	return 0;
}

/*
 * Wait until listener `to` has room for one more connection: 0, or the
 * errno connect(2) returns (unix_lock held).
 */
static int
wait_backlog(struct unix_sock *us, struct unix_sock *to, bool nonblock,
    uint64_t deadline, uint64_t timeo)
{
	int err;

	for (;;) {
		if (us->state == UNIX_CONN)
			return -EISCONN;
		if (us->state == UNIX_LISTEN)
			return -EINVAL;
		if (to->dead || to->state != UNIX_LISTEN)
			return -ECONNREFUSED;
		if (to->npending <= to->backlog)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if ((err = unix_wait(&to->wq, deadline, timeo)) != 0)
			return err;
	}
}

static int
unix_connect(struct socket *so, const struct ksockaddr *a, size_t len,
    bool nonblock)
{
	struct unix_sock *us = so->pcb, *to, *ns;
	struct socket *nso;
	uint64_t timeo = so->sndtimeo;
	char *ring = NULL;
	struct ucred c;
	int err;

	if (us->type == SOCK_DGRAM)
		return dgram_connect(us, a, len);
	if (len < sizeof(a->family) || a->family != AF_UNIX)
		return -EINVAL;
	spin_lock(&unix_lock);
	err = us->state == UNIX_CONN ? -EISCONN :
	    us->state == UNIX_LISTEN ? -EINVAL : 0;
	spin_unlock(&unix_lock);
	if (err != 0)
		return err;
	if ((err = unix_lookup(a, len, us->type, &to)) != 0)
		return err;
	/* The server's end, made before the lock (allocation may wait). */
	socket_create(AF_UNIX, us->type, 0, 0, &nso);
	ns = nso->pcb;
	if (us->type == SOCK_STREAM) {
		ns->ring = kmalloc(UNIX_RING);
		ring = kmalloc(UNIX_RING);
	}
	socket_self_creds(&c);
	spin_lock(&unix_lock);
	err = wait_backlog(us, to, nonblock, socket_deadline(timeo), timeo);
	if (err == 0) {
		if (us->ring == NULL) {
			us->ring = ring;
			ring = NULL;
		}
		pair_locked(us, ns);
		ns->embryo = true;
		ns->addr = to->addr;
		ns->peercred = c;
		us->peercred = to->peercred;
		ns->has_peercred = us->has_peercred = true;
		list_push_back(&to->pending, &ns->pend_link);
		to->npending++;
		unix_event(to);
	}
	spin_unlock(&unix_lock);
	kfree(ring);	/* the socket had one already, or failed */
	if (err != 0)
		file_unref(nso->file);
	unix_kick(to);
	unix_put(to);
	return err;
}

static int
unix_accept(struct socket *so, bool nonblock, struct socket **out)
{
	struct unix_sock *us = so->pcb, *ns = NULL;
	uint64_t timeo = so->rcvtimeo, deadline = socket_deadline(timeo);
	int err = 0;

	if (us->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	spin_lock(&unix_lock);
	for (;;) {
		if (us->state != UNIX_LISTEN) {
			err = -EINVAL;
			break;
		}
		if (!list_empty(&us->pending)) {
			ns = list_entry(list_pop_front(&us->pending),
			    struct unix_sock, pend_link);
			us->npending--;
			ns->embryo = false;
			*out = ns->so;
			break;
		}
		if (nonblock) {
			err = -EAGAIN;
			break;
		}
		if ((err = unix_wait(&us->rq, deadline, timeo)) != 0)
			break;
	}
	spin_unlock(&unix_lock);
	if (ns != NULL)
		unix_kick(us);	/* room in the backlog for connectors */
	return err;
}

static int
unix_shutdown(struct socket *so, int how)
{
	struct unix_sock *us = so->pcb, *peer;
	int mode = how + 1, peer_mode = 0;

	if (mode & RCV_SHUT)
		peer_mode |= SEND_SHUT;
	if (mode & SEND_SHUT)
		peer_mode |= RCV_SHUT;
	spin_lock(&unix_lock);
	us->shut |= mode;
	unix_event(us);
	peer = us->peer;
	if (peer != NULL && us->type != SOCK_DGRAM) {
		peer->shut |= peer_mode;
		unix_event(peer);
		unix_get(peer);
	} else
		peer = NULL;
	spin_unlock(&unix_lock);
	unix_kick(us);
	if (peer != NULL) {
		unix_kick(peer);
		unix_put(peer);
	}
	return 0;
}

static int
unix_getname(struct socket *so, struct ksockaddr *a, size_t *len, bool peer)
{
	struct unix_sock *us = so->pcb, *from = us;
	int err = 0;

	spin_lock(&unix_lock);
	if (peer)
		from = us->peer;
	if (from == NULL)
		err = -ENOTCONN;
	else if (from->addr.len == 0) {
		a->family = AF_UNIX;
		*len = SUN_PATH_OFF;
	} else {
		*a = from->addr.sa;
		*len = from->addr.len;
	}
	spin_unlock(&unix_lock);
	return err;
}

static int
unix_getsockopt(struct socket *so, int level, int name, void *val,
    size_t *len)
{
	struct unix_sock *us = so->pcb;
	struct ucred c = { 0, (uint32_t)-1, (uint32_t)-1 };
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	switch (name) {
	case SO_PEERCRED:
		spin_lock(&unix_lock);
		if (us->has_peercred)
			c = us->peercred;
		spin_unlock(&unix_lock);
		*len = MIN(*len, sizeof(c));
		memcpy(val, &c, *len);
		return 0;
	case SO_ACCEPTCONN:
		spin_lock(&unix_lock);
		v = us->state == UNIX_LISTEN;
		spin_unlock(&unix_lock);
		*len = MIN(*len, sizeof(v));
		memcpy(val, &v, *len);
		return 0;
	}
	return -ENOPROTOOPT;
}

static int
unix_setsockopt(struct socket *so, int level, int name, const void *val,
    size_t len)
{
	(void)so;
	(void)name;
	(void)val;
	(void)len;
	return level == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}

/* Can the owner of us send now?  (unix_lock held) */
static bool
writable(struct unix_sock *us)
{
	struct unix_sock *p = us->peer;

	if (us->state == UNIX_LISTEN)
		return false;
	if (p == NULL || p->dead)
		return true;
	switch (us->type) {
	case SOCK_STREAM:
		return p->ring == NULL || UNIX_RING - p->len >= UNIX_CHUNK;
	case SOCK_SEQPACKET:
		return p->qbytes < (size_t)us->so->sndbuf;
	default:
		return p->peer == us || p->qlen <= UNIX_DGRAM_QLEN;
	}
}

/* Readiness, as Linux's unix_poll and unix_dgram_poll. */
static unsigned
unix_poll(struct socket *so)
{
	struct unix_sock *us = so->pcb;
	unsigned m = 0;

	spin_lock(&unix_lock);
	if (__atomic_load_n(&so->error, __ATOMIC_RELAXED) != 0)
		m |= POLLERR;
	if (us->shut == SHUT_MASK)
		m |= POLLHUP;
	if (us->shut & RCV_SHUT)
		m |= POLLRDHUP | POLLIN;
	if (us->len > 0 || !list_empty(&us->recs) ||
	    !list_empty(&us->pending))
		m |= POLLIN;
	if (us->type != SOCK_DGRAM && us->state == UNIX_UNCONN)
		m |= POLLHUP;
	if (writable(us))
		m |= POLLOUT;
	spin_unlock(&unix_lock);
	return m;
}

static int
unix_inq(struct socket *so)
{
	struct unix_sock *us = so->pcb;
	int n = 0;

	spin_lock(&unix_lock);
	if (us->state == UNIX_LISTEN)
		n = -EINVAL;
	else if (us->type == SOCK_STREAM)
		n = (int)us->len;
	else if (!list_empty(&us->recs))
		n = (int)list_first_entry(&us->recs, struct unix_rec,
		    link)->len;
	spin_unlock(&unix_lock);
	return n;
}

/*
 * The socket's file is gone: tell the peer, leave the name, and drop
 * what is queued (files in flight, unaccepted connections) after the
 * lock.
 */
static void
unix_release(struct socket *so)
{
	struct unix_sock *us = so->pcb, *peer, *ns;
	struct list recs, pending;
	struct inode *ip;
	struct unix_rec *r;
	bool unread;

	list_init(&recs);
	list_init(&pending);
	spin_lock(&unix_lock);
	us->so = NULL;
	us->dead = true;
	us->shut = SHUT_MASK;
	unread = us->len > 0 || !list_empty(&us->recs) || us->embryo;
	peer = us->peer;
	us->peer = NULL;
	if (peer != NULL && us->type != SOCK_DGRAM) {
		peer->shut = SHUT_MASK;
		if (unread && peer->so != NULL)
			__atomic_store_n(&peer->so->error, ECONNRESET,
			    __ATOMIC_RELAXED);
		unix_event(peer);
	}
	list_remove(&us->bound_link);	/* self-linked when unbound */
	ip = us->inode;
	us->inode = NULL;
	while (!list_empty(&us->recs)) {
		r = list_entry(list_pop_front(&us->recs), struct unix_rec,
		    link);
		unix_inflight(r, -1);
		list_push_back(&recs, &r->link);
	}
	us->len = 0;
	us->qlen = 0;
	us->qbytes = 0;
	while (!list_empty(&us->pending))
		list_push_back(&pending, list_pop_front(&us->pending));
	us->npending = 0;
	spin_unlock(&unix_lock);
	unix_kick(us);
	while (!list_empty(&pending)) {
		ns = list_entry(list_pop_front(&pending), struct unix_sock,
		    pend_link);
		file_unref(ns->so->file);
	}
	while (!list_empty(&recs)) {
		r = list_entry(list_pop_front(&recs), struct unix_rec, link);
		unix_rec_put(r);
	}
	if (ip != NULL) {
		vfs_lock();
		inode_put(ip);
		vfs_unlock();
	}
	if (peer != NULL) {
		unix_kick(peer);
		unix_put(peer);
	}
	unix_put(us);
	unix_gc();
}

static ssize_t
unix_sendmsg(struct socket *so, struct kmsg *m, int flags)
{
	if (so->type == SOCK_STREAM)
		return unix_stream_send(so, m, flags);
	return unix_msg_send(so, m, flags);
}

static ssize_t
unix_recvmsg(struct socket *so, struct kmsg *m, int flags)
{
	if (so->type == SOCK_STREAM)
		return unix_stream_recv(so, m, flags);
	return unix_msg_recv(so, m, flags);
}

static const struct proto_ops unix_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_connect,
	.socketpair = unix_socketpair,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.getsockopt = unix_getsockopt,
	.setsockopt = unix_setsockopt,
	.poll = unix_poll,
	.inq = unix_inq,
	.release = unix_release,
};

/* socket(AF_UNIX, type, protocol): SOCK_RAW is a datagram, as on Linux. */
static int
unix_create(struct socket *so, int type, int protocol)
{
	struct unix_sock *us;

	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM &&
	    type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	us = kzalloc(sizeof(*us));
	us->so = so;
	us->refs = 1;
	us->type = type;
	list_init(&us->recs);
	list_init(&us->pending);
	list_init(&us->bound_link);
	list_init(&us->pend_link);
	waitq_init(&us->rq, "unix readers");
	waitq_init(&us->wq, "unix writers");
	so->type = type;
	so->ops = &unix_ops;
	so->pcb = us;
	spin_lock(&unix_lock);
	unix_gc_track(us, true);
	spin_unlock(&unix_lock);
	return 0;
}

const struct net_family unix_family = {
	.family = AF_UNIX,
	.create = unix_create,
};
