/*
 * The process model through its syscalls: fork, exit, wait4, waitid,
 * vfork, clone threads, exit_group, faults that kill, orphans, process
 * groups and sessions.
 */
#include "contract/entry.h"
#include "test_sys.h"

#define WNOHANG		1
#define SIGCHLD		17
#define CLONE_VM	0x100
#define CLONE_FS	0x200
#define CLONE_FILES	0x400
#define CLONE_SIGHAND	0x800
#define CLONE_VFORK	0x4000
#define CLONE_THREAD	0x10000
#define CLONE_NEWNS	0x20000
#define CLONE_SYSVSEM	0x40000
#define CLONE_SETTLS	0x80000
#define CLONE_PARENT_SETTID	0x100000
#define CLONE_CHILD_CLEARTID	0x200000
#define CLONE_CHILD_SETTID	0x1000000
/* What pthread_create passes (musl and glibc alike). */
#define PTHREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
	CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	CLONE_CHILD_CLEARTID)

static int
exit_with_arg(void *arg)
{
	return (int)(intptr_t)arg;
}

/* Spin until the user word at va becomes nonzero. */
static void
await_word(uaddr_t va)
{
	while (peek32(va) == 0)
		sys(SYS_sched_yield);
}

static int
wait_flag_then_exit(void *arg)
{
	await_word((uaddr_t)arg);
	return 9;
}

/* Exit statuses, WNOHANG, ECHILD, bad arguments. */
static int
fork_wait(void *arg)
{
	uaddr_t flag = ushared(PG), st = umem(PG);
	long pid;

	(void)arg;
	ck_assert_int_eq(sys(SYS_wait4, -1, 0, 0, 0), -ECHILD);
	ck_assert_int_eq(sys(SYS_wait4, -1, 0, WNOHANG, 0), -ECHILD);
	pid = hosted_fork(exit_with_arg, (void *)42);
	ck_assert_int_gt(pid, 1);
	ck_assert_int_eq(wait_status(pid), 42 << 8);
	/* The status keeps only the low 8 bits of the code. */
	pid = hosted_fork(exit_with_arg, (void *)0x1ff);
	ck_assert_int_eq(wait_status(pid), 0xff << 8);
	/* A live child: WNOHANG says 0; a wrong pid says ECHILD. */
	pid = hosted_fork(wait_flag_then_exit, (void *)flag);
	ck_assert_int_eq(sys(SYS_wait4, -1, st, WNOHANG, 0), 0);
	ck_assert_int_eq(sys(SYS_wait4, pid + 100, st, 0, 0), -ECHILD);
	ck_assert_int_eq(sys(SYS_wait4, -1, st, 0x100, 0), -EINVAL);
	poke32(flag, 1);
	/* A bad status pointer: the child is reaped, the call says EFAULT. */
	ck_assert_int_eq(sys(SYS_wait4, pid, BAD, 0, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_wait4, -1, st, 0, 0), -ECHILD);
	/* rusage is filled (zeros) or EFAULT. */
	pid = hosted_fork(exit_with_arg, (void *)1);
	ck_assert_int_eq(sys(SYS_wait4, pid, st, 0, BAD), -EFAULT);
	ck_assert_int_eq(proc_count(), 1);
	return 0;
}

START_TEST(test_fork_wait)
{
	sys_run_on(2, fork_wait);
}
END_TEST

/* waitid: siginfo fields, WNOWAIT, argument checks. */
static int
waitid_body(void *arg)
{
	uaddr_t si = umem(PG);
	int32_t w[7];
	long pid;

	(void)arg;
	pid = hosted_fork(exit_with_arg, (void *)3);
	/* WEXITED | WNOWAIT: seen, left for later. */
	ck_assert_int_eq(sys(SYS_waitid, 1 /* P_PID */, pid, si,
	    4 | 0x01000000, 0), 0);
	ck_assert_int_eq(copyin(w, si, sizeof(w)), 0);
	ck_assert_int_eq(w[0], SIGCHLD);
	ck_assert_int_eq(w[2], 1 /* CLD_EXITED */);
	ck_assert_int_eq(w[4], pid);
	ck_assert_int_eq(w[6], 3);
	ck_assert_int_eq(sys(SYS_waitid, 0 /* P_ALL */, 0, si, 4, 0), 0);
	ck_assert_int_eq(peek32(si + 16), pid);
	ck_assert_int_eq(sys(SYS_waitid, 0, 0, si, 4, 0), -ECHILD);
	ck_assert_int_eq(sys(SYS_waitid, 0, 0, si, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_waitid, 7, 0, si, 4, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_waitid, 1, 0, si, 4, 0), -EINVAL);
	pid = hosted_fork(exit_with_arg, (void *)3);
	ck_assert_int_eq(sys(SYS_waitid, 1, pid, BAD, 4, 0), -EFAULT);
	return 0;
}

START_TEST(test_waitid)
{
	sys_run(waitid_body);
}
END_TEST

/* A child sees itself, its parent and its thread id. */
static int
ids_child(void *arg)
{
	uaddr_t out = (uaddr_t)arg;

	poke32(out, (int32_t)sys(SYS_getpid));
	poke32(out + 4, (int32_t)sys(SYS_getppid));
	poke32(out + 8, (int32_t)sys(SYS_gettid));
	return 0;
}

static int
pid_relations(void *arg)
{
	uaddr_t out = ushared(PG);
	long pid;

	(void)arg;
	ck_assert_int_eq(sys(SYS_getpid), 1);
	ck_assert_int_eq(sys(SYS_getppid), 0);
	ck_assert_int_eq(sys(SYS_gettid), 1);
	pid = hosted_fork(ids_child, (void *)out);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(peek32(out), pid);
	ck_assert_int_eq(peek32(out + 4), 1);
	ck_assert_int_eq(peek32(out + 8), pid);
	return 0;
}

START_TEST(test_pid_relations)
{
	sys_run(pid_relations);
}
END_TEST

/* The grandchild outlives its parent and is adopted by init. */
static int
orphan(void *arg)
{
	uaddr_t out = (uaddr_t)arg;

	while (sys(SYS_getppid) != 1)
		sys(SYS_sched_yield);
	poke32(out + 4, (int32_t)sys(SYS_getppid));
	return 5;
}

static int
orphan_parent(void *arg)
{
	uaddr_t out = (uaddr_t)arg;

	poke32(out, (int32_t)hosted_fork(orphan, arg));
	return 0;
}

static int
reparent(void *arg)
{
	uaddr_t out = ushared(PG), st = umem(PG);
	long pid, gc;

	(void)arg;
	pid = hosted_fork(orphan_parent, (void *)out);
	ck_assert_int_eq(wait_status(pid), 0);
	gc = peek32(out);
	ck_assert_int_gt(gc, pid);
	ck_assert_int_eq(sys(SYS_wait4, -1, st, 0, 0), gc);
	ck_assert_int_eq(peek32(st), 5 << 8);
	ck_assert_int_eq(peek32(out + 4), 1);
	return 0;
}

START_TEST(test_reparent)
{
	sys_run_on(2, reparent);
}
END_TEST

/* pthread-style threads share memory; tids are set and cleared. */
struct thread_arg {
	uaddr_t mem;
	int n;
};

static int
thread_body(void *arg)
{
	struct thread_arg *ta = arg;

	poke32(ta->mem + 16 + 4 * ta->n, (int32_t)sys(SYS_gettid));
	poke32(ta->mem + 48 + 4 * ta->n, (int32_t)sys(SYS_getpid));
	ck_assert_uint_eq(hosted_uctx_fsbase(curthread()->uctx),
	    0x7000 + ta->n);
	sys(SYS_exit, 0);
	return 99;
}

static int
threads_share(void *arg)
{
	static struct thread_arg ta[2];
	uaddr_t mem = umem(PG);	/* private: only threads can share it */
	long tid[2];
	int32_t w;
	int i;

	(void)arg;
	for (i = 0; i < 2; i++) {
		ta[i] = (struct thread_arg){ mem, i };
		/* As pthreads do, one word for the parent's and child's tid. */
		tid[i] = hosted_clone(PTHREAD_FLAGS, mem + PG - 64, mem + 4 * i,
		    mem + 4 * i, 0x7000 + i, thread_body, &ta[i]);
		ck_assert_int_gt(tid[i], 1);
	}
	for (i = 0; i < 2; i++) {
		/*
		 * CLONE_PARENT_SETTID stored the tid before clone returned;
		 * CLONE_CHILD_CLEARTID clears it at the thread's exit.
		 */
		while ((w = peek32(mem + 4 * i)) != 0) {
			ck_assert_int_eq(w, tid[i]);
			sys(SYS_sched_yield);
		}
		ck_assert_int_eq(peek32(mem + 16 + 4 * i), tid[i]);
		ck_assert_int_eq(peek32(mem + 48 + 4 * i), 1);
	}
	/* Threads are not children. */
	ck_assert_int_eq(sys(SYS_wait4, -1, 0, WNOHANG, 0), -ECHILD);
	return 0;
}

START_TEST(test_threads_share)
{
	sys_run_on(2, threads_share);
}
END_TEST

/* Wrong clone flag combinations, as Linux refuses them. */
static int
clone_flags(void *arg)
{
	(void)arg;
	ck_assert_int_eq(hosted_clone(CLONE_THREAD | CLONE_VM, 0, 0, 0, 0,
	    exit_with_arg, NULL), -EINVAL);
	ck_assert_int_eq(hosted_clone(CLONE_SIGHAND, 0, 0, 0, 0,
	    exit_with_arg, NULL), -EINVAL);
	ck_assert_int_eq(hosted_clone(CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0,
	    exit_with_arg, NULL), -EINVAL);
	ck_assert_int_eq(hosted_clone(SIGCHLD | CLONE_PARENT_SETTID, 0, BAD,
	    0, 0, exit_with_arg, NULL), -EFAULT);
	ck_assert_int_eq(proc_count(), 1);
	return 0;
}

START_TEST(test_clone_flags)
{
	sys_run(clone_flags);
}
END_TEST

/* exit_group ends every thread; the status is exit_group's. */
static int
spinner(void *arg)
{
	(void)arg;
	for (;;)
		sys(SYS_sched_yield);
	return 0;
}

static int
group_leader(void *arg)
{
	uaddr_t stack = umem(PG);
	int i;

	(void)arg;
	for (i = 0; i < 3; i++)
		ck_assert_int_gt(hosted_clone(PTHREAD_FLAGS & ~CLONE_SETTLS,
		    stack, stack, stack + 4, 0, spinner, NULL), 0);
	sys(SYS_sched_yield);
	sys(SYS_exit_group, 7);
	return 1;
}

static int
exit_group_body(void *arg)
{
	long pid;

	(void)arg;
	pid = hosted_fork(group_leader, NULL);
	ck_assert_int_eq(wait_status(pid), 7 << 8);
	ck_assert_int_eq(proc_count(), 1);
	return 0;
}

START_TEST(test_exit_group)
{
	sys_run_on(2, exit_group_body);
}
END_TEST

/* exit(2) of the main thread leaves the others running. */
static int
late_thread(void *arg)
{
	uaddr_t mem = (uaddr_t)arg;

	await_word(mem);
	poke32(mem + 4, 1);
	return 4;	/* exit_group(4) */
}

static int
leader_exits(void *arg)
{
	uaddr_t mem = (uaddr_t)arg;

	hosted_clone(PTHREAD_FLAGS & ~CLONE_SETTLS, 0, mem + 8, mem + 12, 0,
	    late_thread, (void *)mem);
	poke32(mem, 1);
	sys(SYS_exit, 0);
	return 1;
}

static int
thread_exit_body(void *arg)
{
	uaddr_t mem = ushared(PG);
	long pid;

	(void)arg;
	pid = hosted_fork(leader_exits, (void *)mem);
	ck_assert_int_eq(wait_status(pid), 4 << 8);
	ck_assert_int_eq(peek32(mem + 4), 1);
	return 0;
}

START_TEST(test_thread_exit)
{
	sys_run_on(2, thread_exit_body);
}
END_TEST

/* vfork: the parent sleeps until the child exits; memory is shared. */
static int
vfork_child(void *arg)
{
	uaddr_t mem = (uaddr_t)arg;

	sys(SYS_sched_yield);
	poke32(mem, 77);
	return 6;
}

static int
vfork_body(void *arg)
{
	uaddr_t mem = umem(PG);
	long pid;

	(void)arg;
	pid = hosted_vfork(vfork_child, (void *)mem);
	ck_assert_int_gt(pid, 1);
	ck_assert_int_eq(peek32(mem), 77);
	ck_assert_int_eq(wait_status(pid), 6 << 8);
	return 0;
}

START_TEST(test_vfork)
{
	sys_run_on(2, vfork_body);
}
END_TEST

/*
 * A fault that cannot be resolved kills the process with its signal (and
 * the core-dump bit, SIGSEGV's default), delivered on the way back to
 * user mode: here, the next syscall's return.
 */
static int
faulter(void *arg)
{
	(void)arg;
	core_user_fault(11, BAD);
	sys(SYS_getpid);
	return 0;
}

static int
fault_kills(void *arg)
{
	long pid;

	(void)arg;
	pid = hosted_fork(faulter, NULL);
	ck_assert_int_eq(wait_status(pid), 11 | 0x80);
	return 0;
}

START_TEST(test_fault_kills)
{
	sys_run(fault_kills);
}
END_TEST

/* init's exit code, or 128 + signal, is what the machine powers off with. */
START_TEST(test_init_status)
{
	ck_assert_int_eq(sys_run_cmdline(1, NULL, exit_with_arg), 0);
}
END_TEST

START_TEST(test_init_killed)
{
	ck_assert_int_eq(sys_run_cmdline(1, NULL, faulter), 128 + 11);
}
END_TEST

/* Process groups and sessions. */
static int
pg_child(void *arg)
{
	uaddr_t flag = (uaddr_t)arg;

	await_word(flag);
	return 0;
}

static int
groups_body(void *arg)
{
	uaddr_t flag = ushared(PG);
	long a, b;

	(void)arg;
	/* init is a session and group leader. */
	ck_assert_int_eq(sys(SYS_getpgrp), 1);
	ck_assert_int_eq(sys(SYS_getsid, 0), 1);
	ck_assert_int_eq(sys(SYS_setsid), -EPERM);
	ck_assert_int_eq(sys(SYS_setpgid, 0, 0), -EPERM);
	a = hosted_fork(pg_child, (void *)flag);
	b = hosted_fork(pg_child, (void *)flag);
	ck_assert_int_eq(sys(SYS_getpgid, a), 1);
	ck_assert_int_eq(sys(SYS_setpgid, a, 0), 0);
	ck_assert_int_eq(sys(SYS_getpgid, a), a);
	ck_assert_int_eq(sys(SYS_setpgid, b, a), 0);
	ck_assert_int_eq(sys(SYS_getpgid, b), a);
	ck_assert_int_eq(sys(SYS_setpgid, b, 4000), -EPERM);
	ck_assert_int_eq(sys(SYS_setpgid, b, -1), -EINVAL);
	ck_assert_int_eq(sys(SYS_setpgid, 4000, 0), -ESRCH);
	ck_assert_int_eq(sys(SYS_getpgid, 4000), -ESRCH);
	ck_assert_int_eq(sys(SYS_getsid, 4000), -ESRCH);
	ck_assert_int_eq(sys(SYS_getsid, a), 1);
	poke32(flag, 1);
	ck_assert_int_eq(wait_status(a), 0);
	ck_assert_int_eq(wait_status(b), 0);
	return 0;
}

START_TEST(test_groups)
{
	sys_run_on(2, groups_body);
}
END_TEST

static int
setsid_child(void *arg)
{
	uaddr_t out = (uaddr_t)arg;

	poke32(out, (int32_t)sys(SYS_setsid));
	poke32(out + 4, (int32_t)sys(SYS_getsid, 0));
	poke32(out + 8, (int32_t)sys(SYS_getpgrp));
	poke32(out + 12, (int32_t)sys(SYS_setsid));
	return 0;
}

static int
setsid_body(void *arg)
{
	uaddr_t out = ushared(PG);
	long pid;

	(void)arg;
	pid = hosted_fork(setsid_child, (void *)out);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(peek32(out), pid);
	ck_assert_int_eq(peek32(out + 4), pid);
	ck_assert_int_eq(peek32(out + 8), pid);
	ck_assert_int_eq(peek32(out + 12), -EPERM);
	return 0;
}

START_TEST(test_setsid)
{
	sys_run(setsid_body);
}
END_TEST

/* A fork through the bare dispatcher (as the fuzzer issues it). */
static int
bare_fork(void *arg)
{
	long pid;

	(void)arg;
	pid = sys(SYS_fork);
	ck_assert_int_gt(pid, 1);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_bare_fork)
{
	sys_run(bare_fork);
}
END_TEST

static Suite *
sys_proc_suite(void)
{
	Suite *s = suite_create("sys_proc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fork_wait);
	tcase_add_test(tc, test_waitid);
	tcase_add_test(tc, test_pid_relations);
	tcase_add_test(tc, test_reparent);
	tcase_add_test(tc, test_threads_share);
	tcase_add_test(tc, test_clone_flags);
	tcase_add_test(tc, test_exit_group);
	tcase_add_test(tc, test_thread_exit);
	tcase_add_test(tc, test_vfork);
	tcase_add_test(tc, test_fault_kills);
	tcase_add_test(tc, test_init_status);
	tcase_add_test(tc, test_init_killed);
	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_setsid);
	tcase_add_test(tc, test_bare_fork);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_proc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
