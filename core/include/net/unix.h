/*
 * AF_UNIX internals, shared by core/net/unix.c (names, connections,
 * lifetime), unix_stream.c (SOCK_STREAM data) and unix_msg.c
 * (SOCK_DGRAM and SOCK_SEQPACKET data).  Nothing outside core/net
 * includes this.
 *
 * Locking: one spinlock, unix_lock, guards every field marked [L] of
 * every AF_UNIX socket, the bound-name table and the queues.  Data is
 * never copied to or from user memory under it: senders copy into a
 * kernel buffer first, receivers take bytes out and copy after.  Lock
 * order: vfs_lock (a mutex, for path names) before unix_lock.
 *
 * Lifetime: a struct unix_sock is reference counted [L]: its socket
 * holds one until release, a connected (or dgram-connected) socket one
 * on its peer, and a thread one while it sleeps on or sends to it.  The
 * last unix_put() frees it; unix_put() must be called without unix_lock.
 */
#ifndef NET_UNIX_H
#define NET_UNIX_H

#include "lib/list.h"
#include "net/socket.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"

#define UNIX_RING	(64 * 1024)	/* a stream socket's receive ring */
#define UNIX_MSG_MAX	(64 * 1024)	/* largest datagram or packet */
#define UNIX_DGRAM_QLEN	10		/* net.unix.max_dgram_qlen */
#define UNIX_CHUNK	4096		/* bytes moved per lock hold */

/* shutdown state bits, as Linux's sk_shutdown. */
#define RCV_SHUT	1
#define SEND_SHUT	2
#define SHUT_MASK	3

enum unix_state {
	UNIX_UNCONN,
	UNIX_LISTEN,
	UNIX_CONN,
};

/* A bound name: the sockaddr_un as getsockname reports it. */
struct unix_addr {
	struct ksockaddr sa;
	size_t len;		/* 0: unbound */
};

/*
 * A queued message (datagram or packet), or, on a stream socket, the
 * control data that came with the bytes [pos, pos + len) of the ring.
 */
struct unix_rec {
	struct list link;	/* [L] in recs */
	int refs;		/* [L] the queue, and a thread peeking */
	uint64_t pos;		/* stream: ring position of its first byte */
	size_t len;		/* bytes of data */
	char *data;		/* messages: the bytes */
	struct file **files;	/* SCM_RIGHTS in flight (references held) */
	int nfiles;
	struct ucred creds;	/* the sender's */
	struct unix_addr from;	/* the sender's name */
};

struct unix_sock {
	struct socket *so;		/* [L] NULL once released */
	int refs;			/* [L] */
	int type;			/* [i] */
	enum unix_state state;		/* [L] */
	int shut;			/* [L] RCV_SHUT | SEND_SHUT */
	bool dead;			/* [L] released */
	bool embryo;			/* [L] made by connect, not accepted */
	struct unix_sock *peer;		/* [L] referenced */
	struct unix_addr addr;		/* [L] */
	struct inode *inode;		/* [L] a path name's socket inode */
	struct list bound_link;		/* [L] in the bound table */
	/* The receive side: a byte ring (streams) and records. */
	char *ring;			/* [L] UNIX_RING bytes, streams only */
	size_t head, len;		/* [L] ring offset of the next byte, count */
	uint64_t pos;			/* [L] stream position of ring[head] */
	struct list recs;		/* [L] of struct unix_rec, oldest first */
	int qlen;			/* [L] messages queued */
	size_t qbytes;			/* [L] their bytes */
	/* A listener's connections not yet accepted. */
	struct list pending;		/* [L] of struct unix_sock by pend_link */
	struct list pend_link;		/* [L] */
	int npending, backlog;		/* [L] */
	struct ucred peercred;		/* [L] SO_PEERCRED */
	bool has_peercred;		/* [L] */
	struct waitq rq;		/* readers, acceptors */
	struct waitq wq;		/* senders to it, connectors */
	/* The collector of unreachable files in flight (unix_gc.c). */
	struct list all_link;		/* [L] in every AF_UNIX socket's list */
	int inflight;			/* [L] its file's places in queues */
	int gc_state, gc_in;		/* [L] the collector's marks */
};

extern struct spinlock unix_lock;

void unix_get(struct unix_sock *us);		/* unix_lock held */
void unix_put(struct unix_sock *us);		/* unix_lock not held */
/* us's readiness may have risen: edge for epoll (unix_lock held). */
void unix_event(struct unix_sock *us);
/* Wake us's readers and writers and the pollers (no lock needed). */
void unix_kick(struct unix_sock *us);
/*
 * Sleep on wq (unix_lock held, held again on return) until woken, the
 * deadline (socket_deadline) or a signal: 0, -EAGAIN at the deadline,
 * or the signal's errno for a wait with timeout timeo.
 */
int unix_wait(struct waitq *wq, uint64_t deadline, uint64_t timeo);
/*
 * The socket bound to address a (len bytes) with a reference: 0, or
 * -EINVAL for a malformed address, the path walk's errno, -EACCES,
 * -ECONNREFUSED when nothing is bound there, -EPROTOTYPE when the
 * socket there is of another type.
 */
int unix_lookup(const struct ksockaddr *a, size_t len, int type,
    struct unix_sock **out);
/* Free a record no queue holds any more (no lock held). */
void unix_rec_free(struct unix_rec *r);
void unix_rec_put(struct unix_rec *r);	/* unix_lock not held */

/*
 * Files in flight (unix_gc.c): account a queued record's files as it
 * joins (+1) or leaves (-1) a queue [L]; and collect cycles of sockets
 * that only files in flight keep alive (no lock held).
 */
void unix_inflight(struct unix_rec *r, int delta);
void unix_gc(void);
void unix_gc_track(struct unix_sock *us, bool on);	/* [L] */

/* The data paths: SOCK_STREAM bytes, SOCK_DGRAM/SEQPACKET messages. */
ssize_t unix_stream_send(struct socket *so, struct kmsg *m, int flags);
ssize_t unix_stream_recv(struct socket *so, struct kmsg *m, int flags);
ssize_t unix_msg_send(struct socket *so, struct kmsg *m, int flags);
ssize_t unix_msg_recv(struct socket *so, struct kmsg *m, int flags);

#endif
