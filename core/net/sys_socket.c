/*
 * The socket syscalls: socket, socketpair, bind, listen, accept,
 * accept4, connect, sendto, recvfrom, sendmsg, recvmsg, shutdown,
 * getsockname, getpeername, setsockopt, getsockopt.
 *
 * Each copies its arguments in (addresses into a struct ksockaddr,
 * iovecs into a uio, control messages into files and credentials),
 * calls the family's method (net/socket.h), and copies results out,
 * with Linux's errno for each misuse in Linux's order: the flags of
 * socket/accept4 first, then the fd (EBADF, then ENOTSOCK), then the
 * arguments, then the method.
 *
 * Control messages (cmsg(3)) are parsed and built here, so a family
 * only sees files and credentials.  Received files become fds in the
 * receiver as the control buffer has room for them (MSG_CMSG_CLOEXEC
 * sets close-on-exec); the rest are closed and MSG_CTRUNC says so, as
 * Linux does.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/socket.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "sys/syscall.h"

#define SOMAXCONN	4096	/* listen's backlog is clamped to this */
#define CMSG_MAX	10240	/* control bytes one send may carry */
#define OPT_MAX		128	/* bytes of an option value we copy */

/* struct msghdr and struct cmsghdr as Linux x86-64 lays them out. */
struct kmsghdr {
	uint64_t name;
	int32_t namelen;
	int32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	int32_t pad1;
};
_Static_assert(sizeof(struct kmsghdr) == 56, "struct msghdr");

struct kcmsghdr {
	uint64_t len;
	int32_t level;
	int32_t type;
};
#define CMSG_HDR	sizeof(struct kcmsghdr)
#define CMSG_ALIGN(n)	(((n) + 7) & ~(size_t)7)

static struct proc *
cur(void)
{
	return proc_current();
}

/*
 * The socket at fd with a reference on its file (*fp): NULL with *err
 * -EBADF or -ENOTSOCK.
 */
static struct socket *
sockfd(uint64_t fd, struct file **fp, long *err)
{
	struct file *f = fd_get(cur()->fdt, (int)fd);
	struct socket *so;

	*fp = f;
	if (f == NULL) {
		*err = -EBADF;
		return NULL;
	}
	if ((so = socket_of(f)) == NULL) {
		file_unref(f);
		*fp = NULL;	/* callers unref *fp when set */
		*err = -ENOTSOCK;
	}
	return so;
}

/* Copy a user address in: 0, -EINVAL for a bad length, -EFAULT. */
static int
get_addr(struct ksockaddr *a, uaddr_t ua, uint64_t len)
{
	memset(a, 0, sizeof(*a));
	if ((int)len < 0 || len > sizeof(*a))
		return -EINVAL;
	return copyin(a, ua, (size_t)len) != 0 ? -EFAULT : 0;
}

/*
 * Copy an address out to ua, at most *ulen bytes (an int in user
 * memory), and put its full length in *ulen, as Linux's
 * move_addr_to_user.
 */
static int
put_addr(uaddr_t ua, uaddr_t ulen, const struct ksockaddr *a, size_t len)
{
	int32_t room;

	if (copyin(&room, ulen, sizeof(room)) != 0)
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	if (len > 0 && copyout(ua, a, MIN((size_t)room, len)) != 0)
		return -EFAULT;
	room = (int32_t)len;
	return copyout(ulen, &room, sizeof(room)) != 0 ? -EFAULT : 0;
}

/* Install a new socket's file as an fd; drops the file on failure. */
static long
install(struct socket *so, bool cloexec)
{
	int fd = fd_alloc(cur()->fdt, so->file, 0, proc_nofile_limit(cur()), cloexec);

	if (fd < 0)
		file_unref(so->file);
	return fd;
}

/* socket's and socketpair's type word: the type and its flag bits. */
static int
split_type(uint64_t word, int *type, unsigned *flags)
{
	*type = (int)(word & SOCK_TYPE_MASK);
	*flags = (unsigned)word & ~(unsigned)SOCK_TYPE_MASK;
	if ((int)word < 0 || (*flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		return -EINVAL;
	return 0;
}

long
sys_socket(const struct syscall_args *a)
{
	struct socket *so;
	unsigned flags;
	int type, err;

	if ((err = split_type(a->a[1], &type, &flags)) != 0)
		return err;
	if ((int)a->a[0] < 0 || (int)a->a[0] >= AF_MAX)
		return -EAFNOSUPPORT;
	err = socket_create((int)a->a[0], type, (int)a->a[2],
	    flags & SOCK_NONBLOCK, &so);
	if (err != 0)
		return err;
	return install(so, (flags & SOCK_CLOEXEC) != 0);
}

long
sys_socketpair(const struct syscall_args *a)
{
	struct socket *s[2];
	unsigned flags;
	int type, err, fds[2];
	int family = (int)a->a[0];

	if ((err = split_type(a->a[1], &type, &flags)) != 0)
		return err;
	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if ((err = socket_create(family, type, (int)a->a[2],
	    flags & SOCK_NONBLOCK, &s[0])) != 0)
		return err;
	if (s[0]->ops->socketpair == NULL) {
		file_unref(s[0]->file);
		return -EOPNOTSUPP;
	}
	socket_create(family, type, (int)a->a[2], flags & SOCK_NONBLOCK,
	    &s[1]);
	if ((err = s[0]->ops->socketpair(s[0], s[1])) != 0) {
		file_unref(s[0]->file);
		file_unref(s[1]->file);
		return err;
	}
	if ((fds[0] = (int)install(s[0], flags & SOCK_CLOEXEC)) < 0) {
		file_unref(s[1]->file);
		return fds[0];
	}
	if ((fds[1] = (int)install(s[1], flags & SOCK_CLOEXEC)) < 0) {
		fd_close(cur()->fdt, fds[0]);
		return fds[1];
	}
	if (copyout(a->a[3], fds, sizeof(fds)) != 0) {
		fd_close(cur()->fdt, fds[0]);
		fd_close(cur()->fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long
sys_bind(const struct syscall_args *a)
{
	struct ksockaddr sa;
	struct file *f;
	struct socket *so;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	if ((r = get_addr(&sa, a->a[1], a->a[2])) == 0)
		r = so->ops->bind == NULL ? -EOPNOTSUPP :
		    so->ops->bind(so, &sa, (size_t)a->a[2]);
	file_unref(f);
	return r;
}

long
sys_listen(const struct syscall_args *a)
{
	unsigned backlog = (unsigned)a->a[1];
	struct file *f;
	struct socket *so;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	if (backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	r = so->ops->listen == NULL ? -EOPNOTSUPP :
	    so->ops->listen(so, (int)backlog);
	file_unref(f);
	return r;
}

static bool
file_nonblock(struct file *f)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) != 0;
}

static long
do_accept(uint64_t fd, uaddr_t uaddr, uaddr_t ulen, uint64_t flags)
{
	struct socket *so, *ns;
	struct ksockaddr sa;
	struct file *f;
	size_t len = 0;
	long r;

	if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if ((so = sockfd(fd, &f, &r)) == NULL)
		return r;
	if (so->ops->accept == NULL) {
		file_unref(f);
		return -EOPNOTSUPP;
	}
	r = so->ops->accept(so, file_nonblock(f), &ns);
	file_unref(f);
	if (r != 0)
		return r;
	if (flags & SOCK_NONBLOCK)
		__atomic_or_fetch(&ns->file->flags, O_NONBLOCK,
		    __ATOMIC_RELAXED);
	if (uaddr != 0) {
		memset(&sa, 0, sizeof(sa));
		ns->ops->getname(ns, &sa, &len, true);
		if ((r = put_addr(uaddr, ulen, &sa, len)) != 0) {
			file_unref(ns->file);
			return r;
		}
	}
	return install(ns, (flags & SOCK_CLOEXEC) != 0);
}

long
sys_accept(const struct syscall_args *a)
{
	return do_accept(a->a[0], a->a[1], a->a[2], 0);
}

long
sys_accept4(const struct syscall_args *a)
{
	return do_accept(a->a[0], a->a[1], a->a[2], a->a[3]);
}

long
sys_connect(const struct syscall_args *a)
{
	struct ksockaddr sa;
	struct file *f;
	struct socket *so;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	if ((r = get_addr(&sa, a->a[1], a->a[2])) == 0)
		r = so->ops->connect == NULL ? -EOPNOTSUPP :
		    so->ops->connect(so, &sa, (size_t)a->a[2],
		    file_nonblock(f));
	file_unref(f);
	return r;
}

long
sys_shutdown(const struct syscall_args *a)
{
	struct file *f;
	struct socket *so;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	if ((int)a->a[1] < SHUT_RD || (int)a->a[1] > SHUT_RDWR)
		r = -EINVAL;
	else
		r = so->ops->shutdown == NULL ? -EOPNOTSUPP :
		    so->ops->shutdown(so, (int)a->a[1]);
	file_unref(f);
	return r;
}

static long
do_getname(const struct syscall_args *a, bool peer)
{
	struct ksockaddr sa;
	struct file *f;
	struct socket *so;
	size_t len = 0;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	memset(&sa, 0, sizeof(sa));
	r = so->ops->getname(so, &sa, &len, peer);
	file_unref(f);
	if (r != 0)
		return r;
	return put_addr(a->a[1], a->a[2], &sa, len);
}

long
sys_getsockname(const struct syscall_args *a)
{
	return do_getname(a, false);
}

long
sys_getpeername(const struct syscall_args *a)
{
	return do_getname(a, true);
}

long
sys_setsockopt(const struct syscall_args *a)
{
	char val[OPT_MAX];
	size_t len = (size_t)(uint32_t)a->a[4];
	struct file *f;
	struct socket *so;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	if ((int)a->a[4] < 0)
		r = -EINVAL;
	else if (copyin(val, a->a[3], MIN(len, sizeof(val))) != 0)
		r = -EFAULT;
	else
		r = socket_setopt(so, (int)a->a[1], (int)a->a[2], val,
		    MIN(len, sizeof(val)));
	file_unref(f);
	return r;
}

long
sys_getsockopt(const struct syscall_args *a)
{
	char val[OPT_MAX];
	int32_t ulen;
	size_t len;
	struct file *f;
	struct socket *so;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	if (copyin(&ulen, a->a[4], sizeof(ulen)) != 0)
		r = -EFAULT;
	else if (ulen < 0)
		r = -EINVAL;
	else {
		len = MIN((size_t)ulen, sizeof(val));
		memset(val, 0, sizeof(val));
		r = socket_getopt(so, (int)a->a[1], (int)a->a[2], val, &len);
		ulen = (int32_t)len;
		if (r == 0 && (copyout(a->a[3], val, len) != 0 ||
		    copyout(a->a[4], &ulen, sizeof(ulen)) != 0))
			r = -EFAULT;
	}
	file_unref(f);
	return r;
}

/*
 * Parse the control messages of a send into m: SCM_RIGHTS fds become
 * file references, SCM_CREDENTIALS is checked against the caller.
 * Messages at other levels are ignored, as Linux's __scm_send does.
 */
static int
get_control(struct kmsg *m, uaddr_t uctl, size_t len)
{
	struct kcmsghdr h;
	struct ucred self;
	struct file *f;
	int32_t fd;
	size_t off, n, i;

	for (off = 0; off + CMSG_HDR <= len; off += CMSG_ALIGN(h.len)) {
		if (copyin(&h, uctl + off, sizeof(h)) != 0)
			return -EFAULT;
		if (h.len < CMSG_HDR || h.len > len - off)
			return -EINVAL;
		if (h.level != SOL_SOCKET)
			continue;
		n = h.len - CMSG_HDR;
		switch (h.type) {
		case SCM_RIGHTS:
			n /= sizeof(int32_t);
			if (m->nfiles + n > SCM_MAX_FD)
				return -EINVAL;
			if (m->files == NULL)
				m->files = kmalloc(SCM_MAX_FD *
				    sizeof(struct file *));
			for (i = 0; i < n; i++) {
				if (copyin(&fd, uctl + off + CMSG_HDR +
				    i * sizeof(fd), sizeof(fd)) != 0)
					return -EFAULT;
				if ((f = fd_get(cur()->fdt, fd)) == NULL)
					return -EBADF;
				m->files[m->nfiles++] = f;
			}
			break;
		case SCM_CREDENTIALS:
			if (n != sizeof(struct ucred))
				return -EINVAL;
			if (copyin(&m->creds, uctl + off + CMSG_HDR,
			    sizeof(m->creds)) != 0)
				return -EFAULT;
			socket_self_creds(&self);
			if (m->creds.pid != self.pid ||
			    (self.uid != 0 && (m->creds.uid != self.uid ||
			    m->creds.gid != self.gid)))
				return -EPERM;
			m->has_creds = true;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* A user msghdr and its iovecs in: a ready kmsg over *uio. */
static long
get_msghdr(struct kmsghdr *h, uaddr_t uh, struct uio *uio,
    struct iovec **iov)
{
	long r;

	*iov = NULL;
	if (copyin(h, uh, sizeof(*h)) != 0)
		return -EFAULT;
	if (h->iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (h->namelen < 0)
		return -EINVAL;
	if ((size_t)h->namelen > sizeof(struct ksockaddr))
		h->namelen = sizeof(struct ksockaddr);
	*iov = kmalloc(sizeof(**iov) * (size_t)(h->iovlen > 0 ? h->iovlen : 1));
	if (copyin(*iov, h->iov, sizeof(**iov) * (size_t)h->iovlen) != 0)
		return -EFAULT;
	if ((r = uio_init(uio, *iov, (int)h->iovlen)) != 0)
		return r;
	if (uio->resid > MAX_RW_COUNT)
		uio->resid = MAX_RW_COUNT;
	return 0;
}

/*
 * Send through so: the common tail of sendto and sendmsg.  The callers
 * look the fd up before they read any of their other arguments, as
 * Linux does, so a bad fd is EBADF or ENOTSOCK whatever else is wrong.
 */
static long
do_send(struct socket *so, struct kmsg *m, int flags, uaddr_t uctl,
    size_t ctllen)
{
	long r;

	if (ctllen > CMSG_MAX)
		r = -ENOBUFS;
	else if ((r = get_control(m, uctl, ctllen)) == 0)
		r = socket_send(so, m, flags);
	kmsg_drop_files(m);
	return r;
}

/*
 * Set m up over one user buffer, as sendto and recvfrom take it: a length
 * past MAX_RW_COUNT (or "negative") is clipped, as Linux's import_ubuf.
 */
static void
kmsg_single(struct kmsg *m, struct uio *uio, struct iovec *iov)
{
	memset(m, 0, sizeof(*m));
	if ((int64_t)iov->len < 0)
		iov->len = MAX_RW_COUNT;
	uio_init(uio, iov, 1);
	if (uio->resid > MAX_RW_COUNT)
		uio->resid = MAX_RW_COUNT;
	m->uio = uio;
}

long
sys_sendto(const struct syscall_args *a)
{
	struct iovec iov = { a->a[1], a->a[2] };
	struct socket *so;
	struct file *f;
	struct uio uio;
	struct kmsg m;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	kmsg_single(&m, &uio, &iov);
	r = 0;
	if (a->a[4] != 0) {
		r = get_addr(&m.addr, a->a[4], a->a[5]);
		m.addrlen = (size_t)a->a[5];
	}
	if (r == 0)
		r = do_send(so, &m, (int)a->a[3], 0, 0);
	file_unref(f);
	return r;
}

long
sys_sendmsg(const struct syscall_args *a)
{
	struct kmsghdr h;
	struct iovec *iov;
	struct socket *so;
	struct file *f;
	struct uio uio;
	struct kmsg m;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	memset(&m, 0, sizeof(m));
	if ((r = get_msghdr(&h, a->a[1], &uio, &iov)) != 0)
		goto out;
	m.uio = &uio;
	if (h.name != 0 && h.namelen > 0) {
		if (copyin(&m.addr, h.name, (size_t)h.namelen) != 0) {
			r = -EFAULT;
			goto out;
		}
		m.addrlen = (size_t)h.namelen;
	}
	r = do_send(so, &m, (int)a->a[2], h.control, (size_t)h.controllen);
out:
	kfree(iov);
	file_unref(f);
	return r;
}

/* Append one control message at *off if it fits (as Linux's put_cmsg). */
static int
put_cmsg(uaddr_t uctl, size_t room, size_t *off, int type, const void *data,
    size_t len, int *flags)
{
	struct kcmsghdr h = { CMSG_HDR + len, SOL_SOCKET, type };
	size_t space = CMSG_ALIGN(CMSG_HDR + len);

	if (room - *off < CMSG_HDR + len) {
		*flags |= MSG_CTRUNC;
		return 0;
	}
	if (copyout(uctl + *off, &h, sizeof(h)) != 0 ||
	    copyout(uctl + *off + CMSG_HDR, data, len) != 0)
		return -EFAULT;
	*off += MIN(space, room - *off);
	return 0;
}

/*
 * The received files as fds, as many as the control buffer holds; the
 * others are closed (MSG_CTRUNC).
 */
static int
put_rights(struct kmsg *m, uaddr_t uctl, size_t room, size_t *off,
    bool cloexec)
{
	size_t fit = 0;
	int32_t *fds;
	int i, n = 0, err;

	if (room - *off > CMSG_HDR)
		fit = (room - *off - CMSG_HDR) / sizeof(int32_t);
	fds = kmalloc(sizeof(*fds) * (size_t)m->nfiles);
	for (i = 0; i < m->nfiles; i++) {
		if ((size_t)n < fit && (fds[n] = fd_alloc(cur()->fdt,
		    m->files[i], 0, proc_nofile_limit(cur()), cloexec)) >= 0) {
			n++;
			m->files[i] = NULL;
			continue;
		}
		m->flags_out |= MSG_CTRUNC;
	}
	err = 0;
	if (n > 0)
		err = put_cmsg(uctl, room, off, SCM_RIGHTS, fds,
		    (size_t)n * sizeof(int32_t), &m->flags_out);
	kfree(fds);
	for (i = 0; i < m->nfiles; i++)
		if (m->files[i] != NULL)
			file_unref(m->files[i]);
	kfree(m->files);
	m->files = NULL;
	m->nfiles = 0;
	return err;
}

/* Receive through so, open as f: the common part of recvfrom and recvmsg. */
static long
do_recv(struct socket *so, struct file *f, struct kmsg *m, int flags)
{
	if (so->ops->recvmsg == NULL)
		return -EOPNOTSUPP;
	if (file_nonblock(f))
		flags |= MSG_DONTWAIT;
	return so->ops->recvmsg(so, m, flags & ~MSG_CMSG_CLOEXEC);
}

long
sys_recvfrom(const struct syscall_args *a)
{
	struct iovec iov = { a->a[1], a->a[2] };
	struct socket *so;
	struct file *f;
	struct uio uio;
	struct kmsg m;
	long r;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	kmsg_single(&m, &uio, &iov);
	r = do_recv(so, f, &m, (int)a->a[3]);
	kmsg_drop_files(&m);
	if (r >= 0 && a->a[4] != 0) {
		int e = put_addr(a->a[4], a->a[5], &m.addr, m.addrlen);

		if (e != 0)
			r = e;
	}
	file_unref(f);
	return r;
}

/* recvmsg's results: name, control messages, lengths and flags. */
static long
put_msghdr(struct kmsg *m, struct socket *so, struct kmsghdr *h,
    uaddr_t uh, int flags)
{
	size_t off = 0, room = (size_t)h->controllen;
	int32_t namelen = 0;

	if (h->name != 0 && m->addrlen > 0) {
		namelen = (int32_t)MIN((size_t)h->namelen, m->addrlen);
		if (copyout(h->name, &m->addr, (size_t)namelen) != 0)
			return -EFAULT;
		namelen = (int32_t)m->addrlen;
	}
	if (h->control == 0)
		room = 0;
	if (m->has_creds && so->passcred &&
	    put_cmsg(h->control, room, &off, SCM_CREDENTIALS, &m->creds,
	    sizeof(m->creds), &m->flags_out) != 0)
		return -EFAULT;
	if (m->nfiles > 0 && put_rights(m, h->control, room, &off,
	    (flags & MSG_CMSG_CLOEXEC) != 0) != 0)
		return -EFAULT;
	h->controllen = off;
	if (copyout(uh + offsetof(struct kmsghdr, namelen), &namelen,
	    sizeof(namelen)) != 0 ||
	    copyout(uh + offsetof(struct kmsghdr, controllen),
	    &h->controllen, sizeof(h->controllen)) != 0 ||
	    copyout(uh + offsetof(struct kmsghdr, flags), &m->flags_out,
	    sizeof(m->flags_out)) != 0)
		return -EFAULT;
	return 0;
}

long
sys_recvmsg(const struct syscall_args *a)
{
	struct socket *so;
	struct file *f;
	struct kmsghdr h;
	struct iovec *iov;
	struct uio uio;
	struct kmsg m;
	long r, e;

	if ((so = sockfd(a->a[0], &f, &r)) == NULL)
		return r;
	memset(&m, 0, sizeof(m));
	if ((r = get_msghdr(&h, a->a[1], &uio, &iov)) != 0)
		goto out;
	m.uio = &uio;
	r = do_recv(so, f, &m, (int)a->a[2]);
	if (r >= 0 && (e = put_msghdr(&m, so, &h, a->a[1], (int)a->a[2])))
		r = e;
out:
	kmsg_drop_files(&m);
	file_unref(f);
	kfree(iov);
	return r;
}
