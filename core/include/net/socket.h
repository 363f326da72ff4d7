/*
 * Sockets: the protocol-independent layer (core/net/socket.c).
 *
 * A socket is a struct file (fs/file.h) whose priv is a struct socket;
 * read, write, poll, fcntl and close reach it through the file's methods
 * like any other file.  A socket carries its address family's method
 * table (struct proto_ops) and the protocol's own state (pcb); the
 * syscall layer (core/net/sys_socket.c) copies addresses, iovecs and
 * control messages in and out and calls the methods, so an address
 * family never touches user memory except through a uio.  AF_UNIX
 * (core/net/unix.c) is the first family; AF_INET plugs in the same way,
 * with one row in the family table of socket.c.
 *
 * A message in flight is a struct kmsg: the address (a kernel copy of at
 * most sizeof(struct ksockaddr) bytes), the data as a uio, and the
 * control data the layer parsed (files for SCM_RIGHTS, credentials).
 * Receiving fills the same structure; socket.c turns the files into fds.
 *
 * Options at SOL_SOCKET that every family shares (buffers, timeouts,
 * SO_REUSEADDR, SO_KEEPALIVE) live in struct socket and are handled here;
 * the rest go to the family's getsockopt/setsockopt.
 */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include "fs/file.h"
#include "kern/types.h"

/* Network errnos, with Linux x86-64's values (kern/errno.h has the rest). */
#define EPROTOTYPE	91
#define ENOPROTOOPT	92
#define EPROTONOSUPPORT	93
#define ESOCKTNOSUPPORT	94
#define EAFNOSUPPORT	97
#define EADDRINUSE	98
#define EADDRNOTAVAIL	99
#define ENOTSOCK	88
#define EDESTADDRREQ	89
#define EMSGSIZE	90
#define ECONNABORTED	103
#define ECONNRESET	104
#define ENOBUFS		105
#define EISCONN		106
#define ENOTCONN	107
#define ETOOMANYREFS	109
#define ECONNREFUSED	111
#define EALREADY	114
#define EINPROGRESS	115

/* Families and types. */
#define AF_UNSPEC	0
#define AF_UNIX		1
#define AF_INET		2
#define AF_INET6	10
#define AF_MAX		46
#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3
#define SOCK_SEQPACKET	5
#define SOCK_TYPE_MASK	0xf
#define SOCK_NONBLOCK	O_NONBLOCK
#define SOCK_CLOEXEC	O_CLOEXEC

/* send/recv flags. */
#define MSG_OOB		0x1
#define MSG_PEEK	0x2
#define MSG_DONTROUTE	0x4
#define MSG_CTRUNC	0x8
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_EOR		0x80
#define MSG_WAITALL	0x100
#define MSG_NOSIGNAL	0x4000
#define MSG_MORE	0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

/* shutdown(2) */
#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2

/* Levels and SOL_SOCKET options. */
#define SOL_SOCKET	1
#define SO_DEBUG	1
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4
#define SO_DONTROUTE	5
#define SO_BROADCAST	6
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_OOBINLINE	10
#define SO_LINGER	13
#define SO_REUSEPORT	15
#define SO_PASSCRED	16
#define SO_PEERCRED	17
#define SO_SNDBUFFORCE	32
#define SO_RCVBUFFORCE	33
#define SO_RCVLOWAT	18
#define SO_SNDLOWAT	19
#define SO_RCVTIMEO	20
#define SO_SNDTIMEO	21
#define SO_ACCEPTCONN	30
#define SO_PROTOCOL	38
#define SO_DOMAIN	39

/* Control message types at SOL_SOCKET. */
#define SCM_RIGHTS	1
#define SCM_CREDENTIALS	2
/* Most files one SCM_RIGHTS message passes (Linux's SCM_MAX_FD). */
#define SCM_MAX_FD	253

/* poll bits beyond fs/file.h's, for sockets. */
#define POLLRDHUP	0x2000u

/* The largest address any family takes (struct sockaddr_storage). */
struct ksockaddr {
	uint16_t family;
	char data[126];
};

/* SO_PEERCRED and SCM_CREDENTIALS. */
struct ucred {
	int32_t pid;
	uint32_t uid, gid;
};

/* A message on its way in or out (see the essay). */
struct kmsg {
	struct ksockaddr addr;	/* send: destination; recv: source */
	size_t addrlen;		/* 0: none */
	struct uio *uio;	/* the data */
	struct file **files;	/* SCM_RIGHTS in or out (kmalloc'd) */
	int nfiles;
	bool has_creds;		/* recv: creds holds the sender's */
	struct ucred creds;
	int flags_out;		/* recv: MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
};

struct socket;

/*
 * An address family's methods.  Each returns 0 (or a count) or -errno,
 * as the syscall would; `nonblock` is the file's O_NONBLOCK or the
 * call's MSG_DONTWAIT.  Methods a family lacks are NULL: EOPNOTSUPP.
 */
struct proto_ops {
	int (*bind)(struct socket *so, const struct ksockaddr *a, size_t len);
	int (*listen)(struct socket *so, int backlog);
	/* A new connected socket (its file made by the caller), or -errno. */
	int (*accept)(struct socket *so, bool nonblock, struct socket **out);
	int (*connect)(struct socket *so, const struct ksockaddr *a,
	    size_t len, bool nonblock);
	/* Connect two new sockets of this family to each other. */
	int (*socketpair)(struct socket *a, struct socket *b);
	ssize_t (*sendmsg)(struct socket *so, struct kmsg *m, int flags);
	ssize_t (*recvmsg)(struct socket *so, struct kmsg *m, int flags);
	int (*shutdown)(struct socket *so, int how);
	/* Fill *a and *len with the local (peer false) or peer address. */
	int (*getname)(struct socket *so, struct ksockaddr *a, size_t *len,
	    bool peer);
	/* Options the layer does not keep; val is a kernel buffer. */
	int (*getsockopt)(struct socket *so, int level, int name, void *val,
	    size_t *len);
	int (*setsockopt)(struct socket *so, int level, int name,
	    const void *val, size_t len);
	unsigned (*poll)(struct socket *so);
	/* FIONREAD (SIOCINQ): bytes of the next read. */
	int (*inq)(struct socket *so);
	/* The last reference to the socket's file is gone. */
	void (*release)(struct socket *so);
};

/* One address family: make the protocol state of a new socket. */
struct net_family {
	int family;
	/* Check type/protocol and set so->ops and so->pcb: 0 or -errno. */
	int (*create)(struct socket *so, int type, int protocol);
};

extern const struct net_family unix_family;

struct socket {
	int family, type, protocol;		/* [i] */
	const struct proto_ops *ops;		/* [i] */
	void *pcb;				/* [i] the family's state */
	struct file *file;			/* [i] the file it is */
	/* SOL_SOCKET options; atomic, any thread may set them. */
	int rcvbuf, sndbuf;
	uint64_t rcvtimeo, sndtimeo;		/* ns; 0: wait forever */
	bool reuseaddr, keepalive, passcred;
	bool broadcast;		/* SO_BROADCAST: AF_INET may send to one */
	struct { int32_t onoff, secs; } linger;	/* SO_LINGER: kept only */
	int error;		/* SO_ERROR: pending errno (> 0); atomic */
	/* Bumped when readiness may have risen, for edge-triggered epoll. */
	uint64_t events;			/* atomic */
};

/*
 * A new socket of family/type/protocol with its file (flags: O_NONBLOCK
 * and the access mode): 0 with *out, or -EAFNOSUPPORT, -EPROTONOSUPPORT,
 * -ESOCKTNOSUPPORT... as socket(2).
 */
int socket_create(int family, int type, int protocol, unsigned flags,
    struct socket **out);
/* The socket behind f, or NULL when f is no socket (ENOTSOCK). */
struct socket *socket_of(struct file *f);
/* Readiness may have risen: wake pollers and epoll's edge triggers. */
void socket_wakeup(struct socket *so);

/*
 * The deadline of a wait for so after `timeo` ns (0: none): FOREVER or a
 * clock_ns() time; and the errno a signal ends it with (ERESTARTSYS
 * without a timeout, EINTR with one, as Linux's sock_intr_errno).
 */
#define SOCK_FOREVER	UINT64_MAX
uint64_t socket_deadline(uint64_t timeo);
int socket_intr_errno(uint64_t timeo);

/* Send m on so (sendmsg and write): SIGPIPE on EPIPE, see socket.c. */
ssize_t socket_send(struct socket *so, struct kmsg *m, int flags);
/* Close the files m carries (SCM_RIGHTS) and forget them. */
void kmsg_drop_files(struct kmsg *m);
/* SOL_SOCKET options, else the family's; val is a kernel buffer. */
int socket_setopt(struct socket *so, int level, int name, const void *val,
    size_t len);
int socket_getopt(struct socket *so, int level, int name, void *val,
    size_t *len);

/*
 * Make a socket inode at path for bind(2) (fs/vfs_sock.c): 0 with *out
 * referenced, -EEXIST when the name exists, or the walk's errno.
 */
struct inode;
int vfs_mksock(const char *path, uint32_t mode, struct inode **out);

/* The current process's credentials as SO_PEERCRED reports them. */
void socket_self_creds(struct ucred *c);

#endif
