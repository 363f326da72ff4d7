/*
 * The syscall layer: one table, one dispatcher, one tracer.
 *
 * The table is generated from syscalls.def, an X-macro list of (number,
 * name, handler, heap bound) rows in Linux x86-64 numbering, so the
 * numbers, the names the tracer prints and the reservation bounds can
 * never disagree.  Handlers live with their subsystems (sys_read in
 * fs/, sys_fork in proc/, sys_mmap here in sys/ beside the VM) and take
 * the raw argument words; each narrows them as Linux's own wrappers do
 * (an `int fd` is the low 32 bits of its register).
 *
 * syscall_dispatch() is the whole boundary.  It reserves the call's heap
 * bound before the handler takes any lock (Biscuit's scheme: inside the
 * reservation no allocation fails), runs the handler, ends the
 * reservation, and traces.  A thread whose process is exiting (another
 * thread called exit_group, or a fault killed it) stops at this boundary,
 * on the way in or out: it is the one place every user thread passes, and
 * until signals exist it is how exit_group reaches the other threads.
 *
 * Tracing: the boot option trace=syscalls prints one strace-style line per
 * call, "[pid TID] name(a0, a1, a2) = result", with "-1 ENAME" for
 * errors.  exit and exit_group print "= ?" before they run, as strace
 * does, since they never return.  Calls the table lacks are traced under
 * their Linux names, so the next missing syscall of a real program is
 * easy to spot.
 */
#include "contract/boot.h"
#include "kern/cmdline.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/reserve.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"

typedef long (*syscall_fn)(const struct syscall_args *);

struct syscall_entry {
	syscall_fn fn;
	const char *name;
	size_t bound;
};

/* Highest number the table may hold: the last of the 424.. range. */
#define SYSCALL_MAX	512

static const struct syscall_entry table[SYSCALL_MAX] = {
#define SYSCALL(nr, name, handler, bound) \
	[nr] = { handler, #name, bound },
#include "syscalls.def"
#undef SYSCALL
};

/* Names of the calls the table lacks, so traces and reports can say them. */
static const char *const linux_names[SYSCALL_MAX] = {
#define LINUX_SYSCALL(nr, name)	[nr] = #name,
#include "linux_syscalls.def"
#undef LINUX_SYSCALL
};

static int trace_state = -1;	/* -1 unknown yet; else 0/1; [a] */

/* The name of nr: the table's, else Linux's, else "?". */
const char *
syscall_name(unsigned long nr)
{
	if (nr >= SYSCALL_MAX)
		return "?";
	if (table[nr].name != NULL)
		return table[nr].name;
	return linux_names[nr] != NULL ? linux_names[nr] : "?";
}

/* True when the boot option trace= lists "syscalls" (comma-separated). */
static bool
tracing(void)
{
	int s = __atomic_load_n(&trace_state, __ATOMIC_RELAXED);
	const char *v, *p;

	if (s >= 0)
		return s;
	s = 0;
	v = cmdline_get("trace");
	for (p = v; p != NULL && *p != '\0'; p++) {
		if ((p == v || p[-1] == ',') &&
		    strncmp(p, "syscalls", 8) == 0 &&
		    (p[8] == '\0' || p[8] == ','))
			s = 1;
	}
	__atomic_store_n(&trace_state, s, __ATOMIC_RELAXED);
	return s;
}

/* One argument as strace would roughly show it: small numbers in decimal. */
static int
format_arg(char *buf, size_t size, uint64_t v)
{
	int64_t s = (int64_t)v;

	if (s >= -4096 && s < 65536)
		return ksnprintf(buf, size, "%lld", (long long)s);
	return ksnprintf(buf, size, "%#llx", (unsigned long long)v);
}

/* Print the trace line of a call; ret NULL means "= ?" (no return). */
static void
trace_print(unsigned long nr, const struct syscall_args *args,
    const long *ret)
{
	char a[3][24], r[48];
	int i;

	for (i = 0; i < 3; i++)
		format_arg(a[i], sizeof(a[i]), args->a[i]);
	if (ret == NULL)
		ksnprintf(r, sizeof(r), "?");
	else if (*ret < 0 && *ret >= -4095)
		ksnprintf(r, sizeof(r), "-1 %s", errno_name(-*ret));
	else
		format_arg(r, sizeof(r), (uint64_t)*ret);
	printk("[pid %d] %s(%s, %s, %s) = %s\n", proc_current_tid(),
	    syscall_name(nr), a[0], a[1], a[2], r);
}

/* Calls that never return to the caller: traced before they run. */
static bool
noreturn_call(unsigned long nr)
{
	return nr == SYS_exit || nr == SYS_exit_group;
}

/*
 * Run syscall nr for the current thread.  No spinlock may be held and no
 * reservation active (the platform's entry path guarantees both).
 */
long
syscall_dispatch(unsigned long nr, const struct syscall_args *args)
{
	const struct syscall_entry *e;
	bool trace = tracing();
	long ret;

	acct_syscall_enter();
	proc_exit_point();
	if (nr >= SYSCALL_MAX || table[nr].fn == NULL) {
		ret = -ENOSYS;
		if (trace)
			trace_print(nr, args, &ret);
		acct_syscall_exit();
		return ret;
	}
	e = &table[nr];
	if (trace && noreturn_call(nr))
		trace_print(nr, args, NULL);
	reserve_begin(e->bound, e->name);
	ret = e->fn(args);
	reserve_end();
	if (trace)
		trace_print(nr, args, &ret);
	proc_exit_point();
	acct_syscall_exit();
	return ret;
}
