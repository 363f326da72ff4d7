/*
 * The futex operations that touch user words under the bucket locks
 * (proc/futex.c): FUTEX_WAKE_OP's atomic update and comparison, and
 * FUTEX_CMP_REQUEUE's compare, including words whose page is not mapped
 * yet (the operation faults it in and starts over), read-only words and
 * unmapped ones.
 */
#include "proc/futex.h"
#include "test_sys.h"

#define CLONE_VM	0x100
#define CLONE_FS	0x200
#define CLONE_FILES	0x400
#define CLONE_SIGHAND	0x800
#define CLONE_THREAD	0x10000
#define CLONE_PARENT_SETTID	0x100000
#define CLONE_CHILD_CLEARTID	0x200000
#define THREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
	CLONE_THREAD | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

#define OPP	(FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define PENDING	0x7777

/* val3 of FUTEX_WAKE_OP: op, oparg, cmp, cmparg (Linux's FUTEX_OP). */
#define WOP(op, oparg, cmp, cmparg) \
	(long)(((unsigned)(op) << 28) | ((unsigned)(cmp) << 24) | \
	(((unsigned)(oparg) & 0xfff) << 12) | ((unsigned)(cmparg) & 0xfff))
#define OP_SET	0
#define OP_ADD	1
#define OP_OR	2
#define OP_ANDN	3
#define OP_XOR	4
#define OPARG_SHIFT	8
#define CMP_EQ	0
#define CMP_NE	1
#define CMP_LT	2
#define CMP_GT	4

/* WAKE_OP on word b of page m, nobody waiting; return what futex said. */
static long
wake_op(uaddr_t a, uaddr_t b, long enc)
{
	return sys(SYS_futex, a, OPP, 1, 1, b, enc);
}

static int
wake_op_words(void *arg)
{
	uaddr_t m = umem(2 * PG), a = m, b = m + 4;

	(void)arg;
	poke32(a, 0);
	poke32(b, 5);
	ck_assert_int_eq(wake_op(a, b, WOP(OP_ADD, 3, CMP_EQ, 5)), 0);
	ck_assert_int_eq(peek32(b), 8);
	ck_assert_int_eq(wake_op(a, b, WOP(OP_OR, 0x10, CMP_EQ, 0)), 0);
	ck_assert_int_eq(peek32(b), 0x18);
	ck_assert_int_eq(wake_op(a, b, WOP(OP_ANDN, 0x8, CMP_EQ, 0)), 0);
	ck_assert_int_eq(peek32(b), 0x10);
	ck_assert_int_eq(wake_op(a, b, WOP(OP_XOR, 0x11, CMP_EQ, 0)), 0);
	ck_assert_int_eq(peek32(b), 0x1);
	/* oparg is a 12-bit signed field; OPARG_SHIFT makes it 1 << oparg. */
	ck_assert_int_eq(wake_op(a, b, WOP(OP_SET, -1, CMP_EQ, 0)), 0);
	ck_assert_int_eq(peek32(b), -1);
	ck_assert_int_eq(wake_op(a, b, WOP(OP_SET | OPARG_SHIFT, 4, CMP_EQ,
	    0)), 0);
	ck_assert_int_eq(peek32(b), 16);
	/* An unknown op changes nothing; an unknown comparison comes after. */
	ck_assert_int_eq(wake_op(a, b, WOP(7, 1, CMP_EQ, 0)), -ENOSYS);
	ck_assert_int_eq(peek32(b), 16);
	ck_assert_int_eq(wake_op(a, b, WOP(OP_SET, 2, 9, 0)), -ENOSYS);
	ck_assert_int_eq(peek32(b), 2);
	/* A word on a page never touched: faulted in, then updated. */
	ck_assert_int_eq(wake_op(a, m + PG + 8, WOP(OP_ADD, 7, CMP_EQ, 0)), 0);
	ck_assert_int_eq(peek32(m + PG + 8), 7);
	/* Read-only or unmapped: EFAULT, and nothing written. */
	ck_assert_int_eq(sys(SYS_mprotect, m + PG, PG, PROT_R), 0);
	ck_assert_int_eq(wake_op(a, m + PG + 8, WOP(OP_ADD, 1, CMP_EQ, 0)),
	    -EFAULT);
	ck_assert_int_eq(peek32(m + PG + 8), 7);
	ck_assert_int_eq(wake_op(a, BAD, WOP(OP_ADD, 1, CMP_EQ, 0)), -EFAULT);
	return 0;
}

START_TEST(test_wake_op_words)
{
	sys_run(wake_op_words);
}
END_TEST

static int
cmp_requeue_fault(void *arg)
{
	uaddr_t m = umem(2 * PG);

	(void)arg;
	/* The compared word's page is not mapped yet: it reads as 0. */
	ck_assert_int_eq(sys(SYS_futex, m + PG, FUTEX_CMP_REQUEUE |
	    FUTEX_PRIVATE_FLAG, 1, 1, m, 1), -EAGAIN);
	ck_assert_int_eq(sys(SYS_futex, m + PG, FUTEX_CMP_REQUEUE |
	    FUTEX_PRIVATE_FLAG, 1, 1, m, 0), 0);
	ck_assert_int_eq(sys(SYS_futex, BAD, FUTEX_CMP_REQUEUE |
	    FUTEX_PRIVATE_FLAG, 1, 1, m, 0), -EFAULT);
	return 0;
}

START_TEST(test_cmp_requeue_fault)
{
	sys_run(cmp_requeue_fault);
}
END_TEST

/*
 * Waiters.  Page layout: words A at 0 and B at 4; waiter i waits on the
 * word at WORD(i), stores futex's result at SLOT(i), and has its tid
 * word (cleared at exit) at TIDW(i).
 */
#define WORD(m, i)	((m) + 128 + 4 * (uaddr_t)(i))
#define SLOT(m, i)	((m) + 64 + 4 * (uaddr_t)(i))
#define TIDW(m, i)	((m) + 256 + 4 * (uaddr_t)(i))

struct waiter_arg {
	uaddr_t m, word;
	int i;
};

static struct waiter_arg wargs[3];

static int
waiter(void *arg)
{
	struct waiter_arg *wa = arg;
	long r = sys(SYS_futex, wa->word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0,
	    0, 0, 0);

	poke32(SLOT(wa->m, wa->i), (int32_t)r);
	return 0;
}

static void
start_waiter(uaddr_t m, int i, uaddr_t word)
{
	wargs[i] = (struct waiter_arg){ m, word, i };
	poke32(SLOT(m, i), PENDING);
	ck_assert_int_gt(hosted_clone(THREAD_FLAGS, m + PG - 64 * (i + 1),
	    TIDW(m, i), TIDW(m, i), 0, waiter, &wargs[i]), 1);
}

static void
join(uaddr_t tidw)
{
	int32_t v;

	while ((v = peek32(tidw)) != 0)
		sys(SYS_futex, tidw, FUTEX_WAIT, v, 0, 0, 0);
}

/* Requeue waiters from a to b, as they arrive, until n have moved. */
static void
move_n(uaddr_t a, uaddr_t b, long n)
{
	long got = 0, r;

	while (got < n) {
		r = sys(SYS_futex, a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0,
		    n - got, b, 0);
		ck_assert_int_ge(r, 0);
		got += r;
		if (got < n)
			sys(SYS_sched_yield);
	}
}

/*
 * WAKE_OP wakes on the first word, and on the second only when the old
 * value passes the comparison.  The waiters are gathered on a parking
 * word first, so that they are surely asleep before being moved.
 */
static int
wake_op_waiters(void *arg)
{
	uaddr_t m = umem(PG), a = m, b = m + 4, park = m + 8;

	(void)arg;
	poke32(a, 0);
	poke32(b, 0);
	poke32(park, 0);
	start_waiter(m, 0, park);
	start_waiter(m, 1, park);
	start_waiter(m, 2, park);
	move_n(park, a, 2);
	move_n(park, b, 1);
	/* Old b (0) is not greater than 0: only a's waiter wakes. */
	ck_assert_int_eq(sys(SYS_futex, a, OPP, 1, 1, b,
	    WOP(OP_SET, 1, CMP_GT, 0)), 1);
	ck_assert_int_eq(peek32(b), 1);
	/* Old b (1) equals 1: a's second waiter and b's wake. */
	ck_assert_int_eq(sys(SYS_futex, a, OPP, 1, 1, b,
	    WOP(OP_ADD, 1, CMP_EQ, 1)), 2);
	ck_assert_int_eq(peek32(b), 2);
	join(TIDW(m, 0));
	join(TIDW(m, 1));
	join(TIDW(m, 2));
	ck_assert_int_eq(peek32(SLOT(m, 0)), 0);
	ck_assert_int_eq(peek32(SLOT(m, 1)), 0);
	ck_assert_int_eq(peek32(SLOT(m, 2)), 0);
	return 0;
}

START_TEST(test_wake_op_waiters)
{
	sys_run_on(2, wake_op_waiters);
}
END_TEST

static Suite *
futex_ops_suite(void)
{
	Suite *s = suite_create("futex_ops");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_wake_op_words);
	tcase_add_test(tc, test_cmp_requeue_fault);
	tcase_add_test(tc, test_wake_op_waiters);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(futex_ops_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
