/*
 * Running one input on a freshly booted hosted kernel.
 *
 * A boot happens at most once per process (hosted.h), and the core has
 * no way to return to its boot state, so each input gets a fresh kernel:
 * main.c forks, and the child boots in deterministic mode (one vCPU, a
 * virtual clock) and calls fuzz_run().  Determinism is what makes an
 * input a regression test: the same bytes switch threads at the same
 * points and give the same trace.
 *
 * Init is the supervisor.  It builds a small namespace (/a/b, /f, the
 * symlinks /l, /a/l and /loop, an ELF /x, a #! script /s, devfs on /dev,
 * a tmpfs on /tmp), maps the scratch areas, forks the first actor and
 * then watches.  Actors are hosted processes and threads running
 * actor_main(): fork, vfork and clone records start new ones (up to
 * FUZZ_ACTORS), and each record is claimed by one of them.
 *
 * Turns.  The records run in input order: `cursor` is the next one.
 * When a record comes up its actor byte picks one of the live actors
 * (resolve()); that actor claims it by moving the cursor on, and then
 * issues the call, so while a call blocks the next record can already
 * run in another actor -- this is how a read meets its write.  A waiter
 * whose turn has not come yields when the owner is ready to run, and
 * otherwise sleeps a tick (poll(NULL, 0, 1 ms)), so that when every
 * thread sleeps the virtual clock jumps and the run costs no real time.
 *
 * Blocking.  A record that nobody claims for STALL_TICKS virtual ms --
 * its owner is blocked in an earlier call, stopped, or dead -- is
 * skipped, and that owner is passed over until it comes back.  Timeouts
 * the generator builds are a few ms at most, but NULL ones (forever) are
 * allowed too: pause, a read of an empty pipe, a futex wait just block,
 * and the supervisor ends the run MAX_TICKS after it starts, or once the
 * last record is out and END_TICKS passed, with kill(-1, SIGKILL), then
 * reaps everything.  Nothing depends on the host's clock, so a slow
 * machine gives the same trace; main.c's alarm is only a backstop
 * against kernel bugs that hang.
 *
 * Heap bounds.  At the end the supervisor reads every reservation site's
 * high-water mark (reserve.c): a site that went past its bound is a bug,
 * and the supervisor aborts, a crash that AFL keeps with the input.  So
 * does init's death (main.c): the kinds never aim at pid 1, so only the
 * kernel can have killed it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract/usercopy.h"
#include "exec/elf.h"
#include "fs/devfs.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "fuzz.h"
#include "hosted.h"
#include "kern/errno.h"
#include "mm/reserve.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define sys(...)	hosted_syscall(__VA_ARGS__)

#define TICK_MS		1	/* a sleeping waiter's and the supervisor's tick */
#define STALL_TICKS	4	/* a record unclaimed this long is skipped */
#define END_TICKS	64	/* after the last record, for calls to finish */
#define MAX_TICKS	2048	/* the whole run, in virtual ms */
#define WNOHANG		1
#define SIGKILL		9

enum actor_state {
	A_EMPTY, A_STARTING, A_WAITING, A_SLEEPING, A_BUSY, A_STALLED, A_DEAD
};
enum op_state { OP_PENDING, OP_RUNNING, OP_DONE, OP_SKIPPED, OP_ORPHAN };


struct actor {
	volatile int state;
	long pid, tid;
};

struct op {
	struct fuzz_rec rec;
	const struct fuzz_call *call;
	int owner;		/* -1 until the record comes up */
	volatile int state;
	long ret;
	long tid;		/* who issued it */
	uint64_t a[FUZZ_NARGS];
	char text[384];		/* name(args), when tracing */
};

/*
 * One run's state, in host memory: every actor reads it directly.  Only
 * one kernel thread runs at a time (one vCPU), and every syscall is a
 * call the compiler cannot see through, so volatile is enough.
 */
static struct {
	const struct fuzz_options *opt;
	struct op ops[FUZZ_MAX_OPS];
	int nops;
	volatile int cursor;
	struct actor actors[FUZZ_ACTORS];
	bool overrun;
} R;

static int actor_main(void *arg);

/* The result as strace shows it. */
static void
print_ret(long ret)
{
	if (ret < 0 && ret >= -4095)
		printf(" = -1 %s\n", errno_name(-ret));
	else if (ret >= 0 && ret < 65536)
		printf(" = %ld\n", ret);
	else
		printf(" = %#lx\n", (unsigned long)ret);
}

/*
 * The trace, strace-style, printed as the calls happen so that the last
 * line before a panic or a sanitizer report names the call that did it.
 * A call that another line interrupts is "<unfinished ...>" and comes
 * back "resumed", as in strace -f.
 */
static int open_line = -1;	/* the record whose line awaits its result */

static void
close_line(void)
{
	if (open_line >= 0)
		printf(" <unfinished ...>\n");
	open_line = -1;
}

static void
trace_issue(int i)
{
	if (!R.opt->trace)
		return;
	close_line();
	printf("%2d [%ld] %s", i, R.ops[i].tid, R.ops[i].text);
	open_line = i;
	fflush(stdout);
}

static void
trace_return(int i)
{
	if (!R.opt->trace)
		return;
	if (open_line != i) {
		close_line();
		printf("%2d [%ld] <... %s resumed>", i, R.ops[i].tid,
		    R.ops[i].call->name);
	}
	print_ret(R.ops[i].ret);
	open_line = -1;
	fflush(stdout);
}

static void
trace_note(int i, const char *why)
{
	if (!R.opt->trace)
		return;
	close_line();
	printf("%2d [-] %s <%s>\n", i, R.ops[i].call->name, why);
	fflush(stdout);
}

static void
tick(void)
{
	sys(SYS_poll, 0, 0, TICK_MS);
}

static bool
live(int s)
{
	int st = R.actors[s].state;

	return st == A_STARTING || st == A_WAITING || st == A_SLEEPING ||
	    st == A_BUSY;
}

/* Move the cursor past record i, if nobody did yet. */
static void
advance(int i)
{
	int expect = i;

	__atomic_compare_exchange_n(&R.cursor, &expect, i + 1, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/*
 * The owner of record i, decided once, when it comes up: its actor byte
 * indexes the live actors.  With none live the record is passed (-1).
 */
static int
resolve(int i)
{
	struct op *op = &R.ops[i];
	int alive[FUZZ_ACTORS], n = 0, s;

	if (op->owner >= 0)
		return op->owner;
	for (s = 0; s < FUZZ_ACTORS; s++)
		if (live(s))
			alive[n++] = s;
	if (n == 0) {
		op->state = OP_ORPHAN;
		trace_note(i, "skipped: no actor left");
		advance(i);
		return -1;
	}
	op->owner = alive[op->rec.actor % n];
	return op->owner;
}

/* fork, vfork, clone: the child runs actor_main in a free slot. */
static long
spawn(const struct fuzz_call *c, const uint64_t *a)
{
	int (*fn)(void *) = NULL;
	int s;
	long r;

	for (s = 0; s < FUZZ_ACTORS; s++)
		if (R.actors[s].state == A_EMPTY || R.actors[s].state == A_DEAD)
			break;
	if (s < FUZZ_ACTORS) {
		R.actors[s] = (struct actor){ .state = A_STARTING };
		fn = actor_main;
	}
	/* With no slot free the child has no program: it exits at once. */
	if (c->nr == SYS_fork)
		r = hosted_fork(fn, (void *)(intptr_t)s);
	else if (c->nr == SYS_vfork)
		r = hosted_vfork(fn, (void *)(intptr_t)s);
	else
		r = hosted_clone(a[0], a[1], a[2], a[3], a[4], fn,
		    (void *)(intptr_t)s);
	if (r < 0 && s < FUZZ_ACTORS)
		R.actors[s].state = A_EMPTY;
	return r;
}

static void
format_op(struct op *op)
{
	size_t n = 0;
	int j, nargs = 0;

	for (j = 0; j < FUZZ_NARGS; j++)
		if (fuzz_arg_kind(op->call, j) != K_NONE ||
		    op->rec.arg[j].sel >= FUZZ_SEL_RAW)
			nargs = j + 1;
	n += (size_t)snprintf(op->text, sizeof(op->text), "%s(",
	    op->call->name);
	for (j = 0; j < nargs && n < sizeof(op->text); j++) {
		if (j > 0)
			n += (size_t)snprintf(op->text + n,
			    sizeof(op->text) - n, ", ");
		if (n < sizeof(op->text))
			n += (size_t)fuzz_format_arg(op->text + n,
			    sizeof(op->text) - n,
			    fuzz_arg_kind(op->call, j), op->a[j]);
	}
	if (n < sizeof(op->text))
		snprintf(op->text + n, sizeof(op->text) - n, ")");
}

/* Issue record i as actor me; false when the actor's program is over. */
static bool
run_op(int me, int i)
{
	struct op *op = &R.ops[i];
	const struct fuzz_call *c = op->call;
	unsigned flags = c->args != NULL ? c->args->flags : 0;
	int j;

	for (j = 0; j < FUZZ_NARGS; j++)
		op->a[j] = fuzz_gen(me, j, fuzz_arg_kind(c, j),
		    op->rec.arg[j].sel, op->rec.arg[j].val);
	if (R.opt->trace)
		format_op(op);
	op->tid = R.actors[me].tid;
	op->state = OP_RUNNING;
	trace_issue(i);
	if (flags & F_END)		/* exit never comes back to say so */
		R.actors[me].state = A_DEAD;
	if (flags & F_SPAWN)
		op->ret = spawn(c, op->a);
	else
		op->ret = hosted_syscall6(c->nr, op->a[0], op->a[1], op->a[2],
		    op->a[3], op->a[4], op->a[5]);
	op->state = OP_DONE;
	trace_return(i);
	fuzz_note_result(c, op->a, op->ret);
	/* After a successful exec no program of ours is left to run. */
	return !((flags & F_EXEC) && op->ret == 0);
}

/* A process or thread of the program: claim and run records in turn. */
static int
actor_main(void *arg)
{
	int me = (int)(intptr_t)arg, i, owner;
	struct actor *a = &R.actors[me];

	a->pid = sys(SYS_getpid);
	a->tid = sys(SYS_gettid);
	fuzz_note_pid(a->tid);
	/* Its own session: kill(0, ...) and job control never reach init. */
	if (me == 0)
		sys(SYS_setsid);
	for (;;) {
		a->state = A_WAITING;
		i = R.cursor;
		if (i >= R.nops)
			break;
		owner = resolve(i);
		if (owner == me) {
			a->state = A_BUSY;
			advance(i);
			if (!run_op(me, i))
				break;
		} else if (owner >= 0 && R.actors[owner].state == A_WAITING) {
			sys(SYS_sched_yield);
		} else if (owner >= 0) {
			a->state = A_SLEEPING;
			tick();
		}
	}
	a->state = A_DEAD;
	if (a->tid != a->pid)
		sys(SYS_exit, 0);	/* a thread: leave the others be */
	return 0;
}

/* A user copy of s in the supervisor's scratch slot. */
static uint64_t
ustr(int slot, const char *s)
{
	uint64_t u = fuzz_scratch(0, slot);

	fuzz_put(0, u, s, strlen(s) + 1);
	return u;
}

static void
put_file(const char *path, const void *data, size_t n, unsigned mode)
{
	uint64_t buf = fuzz_scratch(0, 1);
	long fd = sys(SYS_open, ustr(0, path), O_CREAT | O_WRONLY | O_TRUNC,
	    mode);

	if (fd < 0)
		return;
	fuzz_put(0, buf, data, n);
	sys(SYS_write, fd, buf, n);
	sys(SYS_close, fd);
}

/* /x: a static ELF executable with one PT_LOAD, as exec wants it. */
static void
put_elf(const char *path)
{
	uint8_t img[256];
	Elf64_Ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB,
		    EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_entry = 0x400080,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
	};
	Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
	    .p_vaddr = 0x400000, .p_filesz = sizeof(img),
	    .p_memsz = 2 * sizeof(img), .p_align = 0x1000 };

	memset(img, 0, sizeof(img));
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), &ph, sizeof(ph));
	put_file(path, img, sizeof(img), 0755);
}

/* The namespace the path kind names (kinds.c). */
static void
build_namespace(void)
{
	static const char script[] = "#!/x arg\n";

	devfs_mount_dev();
	sys(SYS_mkdir, ustr(0, "/a"), 0755);
	sys(SYS_mkdir, ustr(0, "/a/b"), 0755);
	sys(SYS_mkdir, ustr(0, "/tmp"), 01777);
	sys(SYS_mount, ustr(0, "none"), ustr(1, "/tmp"), ustr(2, "tmpfs"), 0,
	    0);
	put_file("/f", "hello, world\n", 13, 0644);
	put_file("/a/f", "", 0, 0600);
	sys(SYS_symlink, ustr(0, "/f"), ustr(1, "/l"));
	sys(SYS_symlink, ustr(0, "b"), ustr(1, "/a/l"));
	sys(SYS_symlink, ustr(0, "/loop"), ustr(1, "/loop"));
	put_elf("/x");
	put_file("/s", script, sizeof(script) - 1, 0755);
}

static bool
all_ended(void)
{
	int s;

	for (s = 0; s < FUZZ_ACTORS; s++)
		if (live(s))
			return false;
	return true;
}

/* Skip the record at the cursor: its owner has not taken it in time. */
static void
skip_stalled(int c)
{
	int o = resolve(c);

	if (o >= 0 && R.actors[o].state != A_DEAD)
		R.actors[o].state = A_STALLED;
	if (R.ops[c].state == OP_PENDING) {
		R.ops[c].state = OP_SKIPPED;
		trace_note(c, "skipped: its actor was busy");
	}
	advance(c);
}

/* Tick until the program is done, skipping records that stall. */
static void
watch(void)
{
	int t, c, last = -1, still = 0, end = 0;

	for (t = 0; t < MAX_TICKS; t++) {
		tick();
		while (sys(SYS_wait4, -1, 0, WNOHANG, 0) > 0)
			;
		c = R.cursor;
		if (c >= R.nops) {
			if (all_ended() || ++end > END_TICKS)
				return;
			continue;
		}
		if (c != last) {
			last = c;
			still = 0;
		} else if (++still >= STALL_TICKS) {
			skip_stalled(c);
			still = 0;
		}
	}
}

/* Kill whatever is left (init is spared by kill -1) and reap it all. */
static void
finish(void)
{
	long r;
	int t;

	sys(SYS_kill, -1, SIGKILL);
	for (t = 0; t < 256; t++) {
		r = sys(SYS_wait4, -1, 0, WNOHANG, 0);
		if (r == -ECHILD)
			break;
		if (r == 0)
			tick();
	}
}

/* Every site's high-water mark against its bound; overruns are bugs. */
static void
check_marks(void)
{
	static struct reserve_mark m[256];
	int i, n = reserve_marks(m, 256);

	for (i = 0; i < n && i < 256; i++) {
		if (R.opt->marks)
			printf("mark %s %zu %zu %llu\n", m[i].site,
			    m[i].high_water, m[i].bound,
			    (unsigned long long)m[i].overruns);
		if (m[i].overruns > 0 || m[i].high_water > m[i].bound) {
			fprintf(stderr, "fuzz: heap bound overrun: %s used %zu "
			    "of its %zu bytes (%llu times)\n", m[i].site,
			    m[i].high_water, m[i].bound,
			    (unsigned long long)m[i].overruns);
			R.overrun = true;
		}
	}
}

static int
supervisor(void *arg)
{
	int i;

	(void)arg;
	if (!fuzz_scratch_map())
		fprintf(stderr, "fuzz: cannot map the scratch areas\n");
	build_namespace();
	R.actors[0].state = A_STARTING;
	if (hosted_fork(actor_main, (void *)0) < 0)
		R.actors[0].state = A_EMPTY;
	watch();
	finish();
	if (R.opt->trace) {
		close_line();
		for (i = R.cursor; i < R.nops; i++)
			trace_note(i, "not reached");
		printf("signal handlers run: %lu\n", fuzz_handler_runs);
	}
	check_marks();
	hosted_report_marks();		/* BISCOTTI_MARKS=path, as for tests */
	/*
	 * Leave the host process from here, the one host thread still
	 * running: returning would power off, and the vCPU's way to its
	 * parking spot would race main()'s exit, which AFL sees as edges
	 * that come and go.
	 */
	fflush(stdout);
	fflush(stderr);
	if (R.overrun)
		abort();
	_exit(0);
}

/*
 * Boot and run the input's records, once per process.  The process ends
 * in the supervisor: _exit(0), or abort() when a site overran its heap
 * bound.  Returns only when init died early, with init's exit code.
 */
int
fuzz_run(const uint8_t *data, size_t size, const struct fuzz_options *o)
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 32u << 20,
	    .quiet = !o->trace, .deterministic = true };
	int i, status;

	memset(&R, 0, sizeof(R));
	R.opt = o;
	R.nops = (int)(size / sizeof(struct fuzz_rec));
	if (R.nops > FUZZ_MAX_OPS)
		R.nops = FUZZ_MAX_OPS;
	for (i = 0; i < R.nops; i++) {
		memcpy(&R.ops[i].rec, data + (size_t)i * sizeof(struct fuzz_rec),
		    sizeof(struct fuzz_rec));
		R.ops[i].call = fuzz_call_of(R.ops[i].rec.nr);
		R.ops[i].owner = -1;
	}
	fuzz_kinds_reset();
	status = hosted_run_init(&cfg, supervisor, NULL);
	if (o->trace)
		printf("fuzz: init ended early (exit code %d): the machine "
		    "powered off\n", status);
	return status;
}
