/*
 * The socket layer: sockets as files, the family table, and the
 * SOL_SOCKET options every family shares.
 *
 * socket(2) looks the family up in `families`, allocates a struct socket
 * and a file over it, and lets the family's create method check the type
 * and protocol and set the method table.  From then on the file's
 * methods (read, write, poll, ioctl, close) and the socket syscalls
 * (sys_socket.c) are thin: they translate to the family's proto_ops.
 * read(2) is recvmsg with no flags and write(2) is sendmsg with none,
 * as on Linux; any files a read receives in SCM_RIGHTS without a place
 * to put them are closed.
 *
 * EPIPE from a send raises SIGPIPE here, for every family, unless the
 * call said MSG_NOSIGNAL.
 *
 * Readiness: families call socket_wakeup() whenever a socket's
 * readiness may have risen.  It bumps the socket's event count, which
 * edge-triggered epoll compares (fs/epoll.c), and kicks the pollers.
 */
#include "contract/clock.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/inet.h"
#include "net/socket.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"

#define FIONREAD	0x541b
#define FIONBIO		0x5421
#define FIOASYNC	0x5452

/* Buffer sizes a new socket reports, as Linux's defaults. */
#define SOCK_DEFAULT_BUF	212992
#define SOCK_MIN_RCVBUF		2304
#define SOCK_MIN_SNDBUF		4608
#define SOCK_MAX_BUF		212992	/* net.core.[rw]mem_max */
#define SOCK_TYPE_MAX		11	/* Linux's SOCK_MAX */

static const struct net_family *const families[] = {
	&unix_family,
	&inet_family,
};

static const struct file_ops socket_file_ops;

struct socket *
socket_of(struct file *f)
{
	return f->ops == &socket_file_ops ? f->priv : NULL;
}

void
socket_wakeup(struct socket *so)
{
	__atomic_add_fetch(&so->events, 1, __ATOMIC_RELEASE);
	poll_notify();
}

uint64_t
socket_deadline(uint64_t timeo)
{
	uint64_t now;

	if (timeo == 0)
		return SOCK_FOREVER;
	now = clock_ns();
	return timeo >= SOCK_FOREVER - now ? SOCK_FOREVER : now + timeo;
}

int
socket_intr_errno(uint64_t timeo)
{
	return timeo == 0 ? -ERESTARTSYS : -EINTR;
}

/* CAP_NET_ADMIN, as far as this kernel has capabilities: root. */
static bool
socket_privileged(void)
{
	struct proc *p = proc_current();
	bool root;

	spin_lock(&proc_lock);
	root = p->cred.euid == 0;
	spin_unlock(&proc_lock);
	return root;
}

void
socket_self_creds(struct ucred *c)
{
	struct proc *p = proc_current();

	spin_lock(&proc_lock);
	c->pid = p->pid;
	c->uid = p->cred.euid;
	c->gid = p->cred.egid;
	spin_unlock(&proc_lock);
}

int
socket_create(int family, int type, int protocol, unsigned flags,
    struct socket **out)
{
	const struct net_family *nf = NULL;
	struct socket *so;
	size_t i;
	int err;

	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= SOCK_TYPE_MAX)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (families[i]->family == family)
			nf = families[i];
	if (nf == NULL)
		return -EAFNOSUPPORT;
	so = kzalloc(sizeof(*so));
	so->family = family;
	so->type = type;
	so->protocol = protocol;
	so->rcvbuf = so->sndbuf = SOCK_DEFAULT_BUF;
	if ((err = nf->create(so, type, protocol)) != 0) {
		kfree(so);
		return err;
	}
	so->file = file_alloc(&socket_file_ops, O_RDWR | flags, so);
	*out = so;
	return 0;
}

/* Files a message carries that nobody will install: close them. */
void
kmsg_drop_files(struct kmsg *m)
{
	int i;

	for (i = 0; i < m->nfiles; i++)
		file_unref(m->files[i]);
	kfree(m->files);
	m->files = NULL;
	m->nfiles = 0;
}

static int
nonblock_flag(struct file *f)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) ?
	    MSG_DONTWAIT : 0;
}

static ssize_t
socket_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct socket *so = f->priv;
	struct kmsg m;
	ssize_t r;

	(void)off;
	memset(&m, 0, sizeof(m));
	m.uio = uio;
	if (so->ops->recvmsg == NULL)
		return -EINVAL;
	r = so->ops->recvmsg(so, &m, nonblock_flag(f));
	kmsg_drop_files(&m);
	return r;
}

/* Send, with SIGPIPE on EPIPE unless MSG_NOSIGNAL (see the essay). */
ssize_t
socket_send(struct socket *so, struct kmsg *m, int flags)
{
	ssize_t r;

	if (so->ops->sendmsg == NULL)
		return -EOPNOTSUPP;
	r = so->ops->sendmsg(so, m, flags | nonblock_flag(so->file));
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		signal_raise_pipe();
	return r;
}

static ssize_t
socket_write(struct file *f, struct uio *uio, uint64_t *off)
{
	struct kmsg m;

	(void)off;
	memset(&m, 0, sizeof(m));
	m.uio = uio;
	return socket_send(f->priv, &m, 0);
}

static unsigned
socket_poll(struct file *f)
{
	struct socket *so = f->priv;

	return so->ops->poll != NULL ? so->ops->poll(so) : 0;
}

/* The file-level ioctls of a socket: FIONBIO, FIOASYNC, FIONREAD. */
static long
socket_ioctl(struct file *f, unsigned cmd, uaddr_t arg)
{
	struct socket *so = f->priv;
	int on;

	switch (cmd) {
	case FIONBIO:
	case FIOASYNC:
		if (copyin(&on, arg, sizeof(on)) != 0)
			return -EFAULT;
		if (on)
			__atomic_or_fetch(&f->flags, cmd == FIONBIO ?
			    O_NONBLOCK : O_ASYNC, __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&f->flags, ~(cmd == FIONBIO ?
			    O_NONBLOCK : O_ASYNC), __ATOMIC_RELAXED);
		return 0;
	case FIONREAD:
		if (so->ops->inq == NULL)
			return -EINVAL;
		on = so->ops->inq(so);
		if (on < 0)
			return on;
		return copyout(arg, &on, sizeof(on)) != 0 ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static void
socket_close(struct file *f)
{
	struct socket *so = f->priv;

	if (so->ops->release != NULL)
		so->ops->release(so);
	kfree(so);
}

static const struct file_ops socket_file_ops = {
	.read = socket_read,
	.write = socket_write,
	.poll = socket_poll,
	.ioctl = socket_ioctl,
	.close = socket_close,
};

/* struct timeval, as SO_RCVTIMEO and SO_SNDTIMEO carry it. */
struct ktimeval {
	int64_t sec, usec;
};

static int
set_timeo(uint64_t *timeo, const void *val, size_t len)
{
	struct ktimeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0)
		*timeo = 0;	/* Linux: a negative time waits forever */
	else if ((uint64_t)tv.sec >= SOCK_FOREVER / 1000000000ull - 1)
		*timeo = 0;
	else
		*timeo = (uint64_t)tv.sec * 1000000000ull +
		    (uint64_t)tv.usec * 1000;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

/*
 * A buffer size as SO_RCVBUF/SO_SNDBUF set it: clamped to the maximum
 * (unless forced), doubled, at least min, as Linux's sock_setsockopt.
 * As Linux's min_t(u32, ...), a negative size counts as huge.
 */
static int
buf_size(int v, int min, bool force)
{
	uint32_t u = (uint32_t)v;

	if (!force && u > SOCK_MAX_BUF)
		u = SOCK_MAX_BUF;
	if (u > INT32_MAX / 2)
		u = INT32_MAX / 2;
	return MAX((int)u * 2, min);
}

/* struct linger */
struct klinger {
	int32_t onoff, secs;
};

/* setsockopt at SOL_SOCKET: the shared options, or the family's. */
int
socket_setopt(struct socket *so, int level, int name, const void *val,
    size_t len)
{
	int v = 0;

	if (level != SOL_SOCKET)
		goto family;
	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
		return set_timeo(name == SO_RCVTIMEO ? &so->rcvtimeo :
		    &so->sndtimeo, val, len);
	if (name == SO_LINGER) {
		if (len < sizeof(struct klinger))
			return -EINVAL;
		memcpy(&so->linger, val, sizeof(so->linger));
		return 0;
	}
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_REUSEADDR:
		so->reuseaddr = v != 0;
		return 0;
	case SO_KEEPALIVE:
		so->keepalive = v != 0;
		return 0;
	case SO_PASSCRED:
		so->passcred = v != 0;
		return 0;
	case SO_BROADCAST:
		so->broadcast = v != 0;
		return 0;
	case SO_RCVBUFFORCE:
	case SO_SNDBUFFORCE:
		if (!socket_privileged())
			return -EPERM;
		/* FALLTHROUGH */
	case SO_RCVBUF:
	case SO_SNDBUF:
		if (name == SO_RCVBUF || name == SO_RCVBUFFORCE)
			so->rcvbuf = buf_size(v, SOCK_MIN_RCVBUF,
			    name == SO_RCVBUFFORCE);
		else
			so->sndbuf = buf_size(v, SOCK_MIN_SNDBUF,
			    name == SO_SNDBUFFORCE);
		return 0;
	case SO_DEBUG: case SO_DONTROUTE:
	case SO_OOBINLINE: case SO_REUSEPORT: case SO_RCVLOWAT:
	case SO_SNDLOWAT:
		return 0;	/* accepted; nothing here acts on them */
	case SO_TYPE: case SO_ERROR: case SO_PEERCRED: case SO_ACCEPTCONN:
	case SO_PROTOCOL: case SO_DOMAIN:
		return -ENOPROTOOPT;	/* read-only */
	}
family:
	if (so->ops->setsockopt == NULL)
		return -ENOPROTOOPT;
	return so->ops->setsockopt(so, level, name, val, len);
}

static void
get_timeo(uint64_t timeo, void *val, size_t *len)
{
	struct ktimeval tv = { (int64_t)(timeo / 1000000000ull),
	    (int64_t)(timeo % 1000000000ull / 1000) };

	*len = MIN(*len, sizeof(tv));
	memcpy(val, &tv, *len);
}

/* getsockopt: *len in is the room in val (at most 128), out the size. */
int
socket_getopt(struct socket *so, int level, int name, void *val,
    size_t *len)
{
	int v;

	if (level != SOL_SOCKET)
		goto family;
	switch (name) {
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		get_timeo(name == SO_RCVTIMEO ? so->rcvtimeo : so->sndtimeo,
		    val, len);
		return 0;
	case SO_LINGER:
		*len = MIN(*len, sizeof(struct klinger));
		memcpy(val, &so->linger, *len);
		return 0;
	case SO_REUSEADDR: v = so->reuseaddr; break;
	case SO_KEEPALIVE: v = so->keepalive; break;
	case SO_PASSCRED: v = so->passcred; break;
	case SO_BROADCAST: v = so->broadcast; break;
	case SO_RCVBUF: v = so->rcvbuf; break;
	case SO_SNDBUF: v = so->sndbuf; break;
	case SO_TYPE: v = so->type; break;
	case SO_PROTOCOL: v = so->protocol; break;
	case SO_DOMAIN: v = so->family; break;
	case SO_ERROR:
		v = __atomic_exchange_n(&so->error, 0, __ATOMIC_RELAXED);
		break;
	case SO_DEBUG: case SO_DONTROUTE:
	case SO_OOBINLINE: case SO_REUSEPORT: case SO_SNDLOWAT:
		v = 0;
		break;
	case SO_RCVLOWAT:
		v = 1;
		break;
	default:
		goto family;
	}
	*len = MIN(*len, sizeof(v));
	memcpy(val, &v, *len);
	return 0;
family:
	if (so->ops->getsockopt == NULL)
		return -ENOPROTOOPT;
	return so->ops->getsockopt(so, level, name, val, len);
}
