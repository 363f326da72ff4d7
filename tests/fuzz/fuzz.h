/*
 * The syscall fuzzer's shared declarations (tests/fuzz, docs/fuzzing.md).
 *
 * An input is a sequence of fixed-size records, one syscall each; a
 * fixed size keeps AFL's byte mutations aligned with the fields.  Each
 * record names the actor (a hosted process or thread) that issues the
 * call, the call (its Linux number, or an index into the vocabulary when
 * the number is not a syscall of the table), and six arguments.  An
 * argument is a selector byte and a value: most selectors let the
 * argument's kind (args.def) turn the value into something live -- an
 * open fd, a mapped address, a path of the small namespace, a pid -- and
 * a few pass the value raw, so argument checks are fuzzed too.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_MAX_OPS	64	/* records read from one input */
#define FUZZ_ACTORS	6	/* processes and threads at once */
#define FUZZ_NARGS	6

struct fuzz_rec {
	uint8_t actor;		/* which live actor issues the call */
	uint8_t spare;
	uint16_t nr;		/* syscall number, else vocabulary index */
	struct {
		uint8_t sel;	/* FUZZ_SEL_RAW: val as is; else by kind */
		uint64_t val;
	} __attribute__((packed)) arg[FUZZ_NARGS];
} __attribute__((packed));

/* Selectors from 0xe0 up pass the value raw (one in eight). */
#define FUZZ_SEL_RAW	0xe0

/* Argument kinds (kinds.c gives each its generator and its format). */
enum fuzz_kind {
	K_NONE,		/* unused: 0 */
	K_RAW,		/* any word */
	K_FD,		/* an fd of the fd list, 0-2, -1, a closed one */
	K_DIRFD,	/* AT_FDCWD or an fd */
	K_PATH,		/* a user string of the path table */
	K_IBUF,		/* user memory holding bytes to read */
	K_OBUF,		/* user memory to write into */
	K_LEN,		/* a byte count */
	K_OFLAGS,	/* open(2) flags */
	K_MODE,		/* file mode bits */
	K_WHENCE,
	K_ADDR,		/* a mapped address, a hint, a bad one */
	K_SIZE,		/* a length in pages, mostly */
	K_PROT,
	K_MFLAGS,	/* mmap flags */
	K_MADV,
	K_PID,		/* a live pid or tid, 0, -1, -pgid */
	K_SIG,
	K_SIGACT,	/* struct sigaction (never raw: it holds a handler) */
	K_SIGSET,	/* a pointer to a signal mask */
	K_SIGSETSZ,	/* 8, mostly */
	K_HOW,		/* sigprocmask's how, itimer's which, small ints */
	K_TIMESPEC,	/* a pointer to a short timespec */
	K_TIMEVAL,
	K_ITIMER,	/* struct itimerval */
	K_MSEC,		/* poll's timeout */
	K_CLONE,	/* clone flags */
	K_WAITOPT,
	K_IOVEC,	/* an iovec array over scratch buffers */
	K_IOVCNT,
	K_POLLFD,	/* a pollfd array over live fds */
	K_NFDS,
	K_FDSET,	/* select's fd_set */
	K_FCNTL,	/* fcntl command */
	K_IOCTL,	/* ioctl request */
	K_UID,
	K_ATFLAGS,
	K_FUTEXOP,
	K_FUTEX,	/* a futex word in scratch or mapped memory */
	K_ARGV,		/* a string vector (execve) */
	K_FSTYPE,	/* mount's file system type */
	K_PRCTL,
	K_RLIMIT,	/* resource number */
	K_CLOCK,	/* clock id */
	K_RENAME,	/* renameat2 flags */
	K_STATX,	/* statx mask */
	K_SOCKDOM,	/* socket domain */
	K_SOCKTYPE,	/* socket type and flags */
	K_SOCKADDR,	/* a sockaddr_un or sockaddr_in */
	K_SOCKLEN,	/* an address length */
	K_SOCKLENP,	/* a pointer to one */
	K_MSGFLAGS,
	K_MSGHDR,	/* struct msghdr: an address, iovecs, SCM_RIGHTS fds */
	K_SOCKLEVEL,	/* SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, ... */
	K_SOCKOPT,	/* SO_* and TCP_* option names */
	K_NKINDS
};

/* Call flags of args.def. */
#define F_RET_FD	0x01	/* the result is a new fd */
#define F_RET_PID	0x02	/* the result is a pid or tid */
#define F_RET_ADDR	0x04	/* the result is a mapped address */
#define F_FDPAIR	0x08	/* arg 0 receives two fds (pipe) */
#define F_SPAWN		0x10	/* fork family: the child becomes an actor */
#define F_END		0x20	/* never returns (exit, exit_group) */
#define F_EXEC		0x40	/* success replaces the image: the actor ends */
#define F_FDPAIR3	0x80	/* arg 3 receives two fds (socketpair) */

struct fuzz_args {
	const char *name;
	unsigned flags;
	uint8_t kind[FUZZ_NARGS];
};

/* One syscall of the table, with its argument kinds. */
struct fuzz_call {
	unsigned nr;
	const char *name;
	size_t bound;			/* reservation bound, syscalls.def */
	const struct fuzz_args *args;	/* NULL: no args.def row (all raw) */
};

/* vocab.c: the vocabulary, generated from syscalls.def. */
extern const int fuzz_ncalls;
const struct fuzz_call *fuzz_call_of(unsigned nr_or_index);
const struct fuzz_call *fuzz_call_at(int i);
const struct fuzz_call *fuzz_call_named(const char *name);
void fuzz_vocab_init(void);
int fuzz_vocab_missing(void);		/* args.def rows naming no call */
enum fuzz_kind fuzz_arg_kind(const struct fuzz_call *c, int i);

/* kinds.c: argument generation, live resources, traces. */
void fuzz_kinds_reset(void);
uint64_t fuzz_gen(int actor, int argi, enum fuzz_kind k, uint8_t sel,
    uint64_t val);
void fuzz_note_result(const struct fuzz_call *c, const uint64_t *a,
    long ret);
void fuzz_note_pid(long pid);
int fuzz_format_arg(char *buf, size_t size, enum fuzz_kind k, uint64_t v);
int fuzz_path_index(const char *path);
const char *fuzz_kind_name(enum fuzz_kind k);
enum fuzz_kind fuzz_kind_named(const char *name);
void fuzz_signal_handler(int signo, void *info, void *uc);
extern unsigned long fuzz_handler_runs;

/* scratch.c: the harness's own user memory. */
#define FUZZ_SCRATCH		0x10000000ul	/* the first actor maps it */
#define FUZZ_SCRATCH_ACTOR	(8 * 4096ul)	/* per actor: a page per arg, 2 spare */
uint64_t fuzz_scratch(int actor, int slot);
bool fuzz_put(int actor, uint64_t uaddr, const void *data, size_t len);
bool fuzz_scratch_map(void);

/* run.c: executing one program. */
struct fuzz_options {
	bool trace;		/* print each call strace-style (replay) */
	bool marks;		/* print every site's heap high-water mark */
};
/* Never returns but when init died (run.c). */
int fuzz_run(const uint8_t *data, size_t size, const struct fuzz_options *o);

/* asm.c: the text form of inputs, for seeds and triage. */
int fuzz_assemble(const char *text, uint8_t *out, size_t max, size_t *len,
    char *err, size_t errsize);

#endif
