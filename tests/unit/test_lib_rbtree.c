/*
 * Unit tests for the red-black tree (core/lib/rbtree.c): random inserts
 * and removals checked against a reference set, with the red-black rules
 * verified as the tree changes; in-order iteration both ways; lookups
 * (find, lower and upper bound) including the VM map's interval lookups;
 * equal keys keeping insertion order.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rbtree.h"

struct item {
	int key;
	int seq;		/* insertion order, for equal keys */
	struct rb_node node;
};

static int
item_key(const struct rb_node *n)
{
	return rb_entry(n, const struct item, node)->key;
}

static int
item_cmp(const struct rb_node *a, const struct rb_node *b)
{
	return (item_key(a) > item_key(b)) - (item_key(a) < item_key(b));
}

static int
key_cmp(const void *key, const struct rb_node *n)
{
	int k = *(const int *)key;

	return (k > item_key(n)) - (k < item_key(n));
}

/* A fixed-seed xorshift generator: failures are reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Check the subtree at n (whose parent must be parent) and return its
 * black height, counting NULL leaves as one; *count adds its node count.
 */
static int
check_subtree(const struct rb_node *n, const struct rb_node *parent,
    int *count)
{
	int lh, rh;

	if (n == NULL)
		return 1;
	if (n->parent != parent)
		ck_abort_msg("key %d: wrong parent pointer", item_key(n));
	if (n->red && ((n->child[RB_LEFT] && n->child[RB_LEFT]->red) ||
	    (n->child[RB_RIGHT] && n->child[RB_RIGHT]->red)))
		ck_abort_msg("key %d: red node with a red child", item_key(n));
	if (n->child[RB_LEFT] && item_key(n->child[RB_LEFT]) > item_key(n))
		ck_abort_msg("key %d: left child larger", item_key(n));
	if (n->child[RB_RIGHT] && item_key(n->child[RB_RIGHT]) < item_key(n))
		ck_abort_msg("key %d: right child smaller", item_key(n));
	lh = check_subtree(n->child[RB_LEFT], n, count);
	rh = check_subtree(n->child[RB_RIGHT], n, count);
	if (lh != rh)
		ck_abort_msg("key %d: black heights %d and %d", item_key(n),
		    lh, rh);
	(*count)++;
	return lh + !n->red;
}

/* Check every red-black rule and that t holds exactly expect nodes. */
static void
check_tree(const struct rb_tree *t, int expect)
{
	int count = 0;

	if (t->root != NULL && t->root->red)
		ck_abort_msg("red root");
	check_subtree(t->root, NULL, &count);
	if (count != expect)
		ck_abort_msg("tree has %d nodes, expected %d", count, expect);
}

/* The tree's height, to check the 2 log2(n + 1) bound. */
static int
height(const struct rb_node *n)
{
	int l, r;

	if (n == NULL)
		return 0;
	l = height(n->child[RB_LEFT]);
	r = height(n->child[RB_RIGHT]);
	return 1 + (l > r ? l : r);
}

#define NKEYS		10000
#define KEY_SPACE	(2 * NKEYS)	/* keys are even: odd probes miss */

static struct item items[NKEYS];
static bool present[NKEYS];

/* Walk t forwards and backwards, comparing with present[]. */
static void
check_order(const struct rb_tree *t, int expect)
{
	const struct rb_node *n = rb_first(t);
	int i = 0, seen = 0;

	for (; n != NULL; n = rb_next(n), seen++) {
		while (i < NKEYS && !present[i])
			i++;
		if (i == NKEYS || item_key(n) != items[i].key)
			ck_abort_msg("forward walk: got %d", item_key(n));
		i++;
	}
	if (seen != expect)
		ck_abort_msg("forward walk saw %d of %d", seen, expect);
	i = NKEYS - 1;
	for (n = rb_last(t), seen = 0; n != NULL; n = rb_prev(n), seen++) {
		while (i >= 0 && !present[i])
			i--;
		if (i < 0 || item_key(n) != items[i].key)
			ck_abort_msg("backward walk: got %d", item_key(n));
		i--;
	}
	if (seen != expect)
		ck_abort_msg("backward walk saw %d of %d", seen, expect);
}

/* Probe rb_find/rb_lower_bound/rb_upper_bound at random keys. */
static void
check_lookups(const struct rb_tree *t, int probes)
{
	for (int p = 0; p < probes; p++) {
		int q = (int)(rng() % (KEY_SPACE + 2)) - 1;
		int lo = q <= 0 ? 0 : (q + 1) / 2;	/* first key >= q */
		int hi = q < 0 ? 0 : q / 2 + 1;		/* first key > q */
		struct rb_node *n;

		while (lo < NKEYS && !present[lo])
			lo++;
		while (hi < NKEYS && !present[hi])
			hi++;
		n = rb_lower_bound(t, &q, key_cmp);
		if (lo >= NKEYS ? n != NULL : n != &items[lo].node)
			ck_abort_msg("lower bound of %d wrong", q);
		n = rb_upper_bound(t, &q, key_cmp);
		if (hi >= NKEYS ? n != NULL : n != &items[hi].node)
			ck_abort_msg("upper bound of %d wrong", q);
		n = rb_find(t, &q, key_cmp);
		if (lo < NKEYS && items[lo].key == q ? n != &items[lo].node :
		    n != NULL)
			ck_abort_msg("find %d wrong", q);
	}
}

START_TEST(test_random_insert_remove)
{
	struct rb_tree t = RB_TREE_INIT;
	int count = 0;

	for (int i = 0; i < NKEYS; i++) {
		items[i].key = 2 * i;
		rb_node_init(&items[i].node);
		present[i] = false;
	}
	/* Insert-heavy, balanced, then remove-heavy phases. */
	for (int phase = 0; phase < 3; phase++) {
		int insert_pct = phase == 0 ? 80 : phase == 1 ? 50 : 15;

		for (int op = 0; op < 3 * NKEYS; op++) {
			int i = (int)(rng() % NKEYS);
			bool insert = (int)(rng() % 100) < insert_pct;

			if (insert && !present[i]) {
				rb_insert(&t, &items[i].node, item_cmp);
				present[i] = true;
				count++;
			} else if (!insert && present[i]) {
				rb_remove(&t, &items[i].node);
				ck_assert(!rb_linked(&items[i].node));
				present[i] = false;
				count--;
			}
			if (op % 97 == 0)
				check_tree(&t, count);
			if (op % 997 == 0) {
				check_order(&t, count);
				check_lookups(&t, 200);
			}
		}
		check_tree(&t, count);
		check_order(&t, count);
		check_lookups(&t, 2000);
	}
	/* Drain completely, checking as the tree shrinks. */
	for (int i = 0; i < NKEYS; i++) {
		if (!present[i])
			continue;
		rb_remove(&t, &items[i].node);
		present[i] = false;
		count--;
		if (i % 53 == 0)
			check_tree(&t, count);
	}
	ck_assert_int_eq(count, 0);
	ck_assert(rb_empty(&t));
	ck_assert_ptr_null(rb_first(&t));
	ck_assert_ptr_null(rb_last(&t));
}
END_TEST

START_TEST(test_sorted_insert_stays_balanced)
{
	struct rb_tree t = RB_TREE_INIT;
	int n = NKEYS, bound = 0;

	/* Ascending, then descending keys: the worst case for a plain BST. */
	for (int i = 0; i < n; i++) {
		items[i].key = i < n / 2 ? i : 3 * n - i;
		rb_insert(&t, &items[i].node, item_cmp);
	}
	check_tree(&t, n);
	while ((1 << bound) < n + 1)
		bound++;
	ck_assert_int_le(height(t.root), 2 * bound);
	/* Remove from one end: the other worst case. */
	for (int i = 0; i < n; i++) {
		rb_remove(&t, rb_first(&t));
		if (i % 101 == 0)
			check_tree(&t, n - i - 1);
	}
	ck_assert(rb_empty(&t));
}
END_TEST

START_TEST(test_equal_keys_keep_order)
{
	struct rb_tree t = RB_TREE_INIT;
	struct item dup[300];
	const struct rb_node *n;
	int key = 5, last_key = -1, last_seq = -1;

	for (int i = 0; i < 300; i++) {
		dup[i].key = (int)(rng() % 10);
		dup[i].seq = i;
		rb_insert(&t, &dup[i].node, item_cmp);
	}
	check_tree(&t, 300);
	for (n = rb_first(&t); n != NULL; n = rb_next(n)) {
		const struct item *it = rb_entry(n, const struct item, node);

		ck_assert_int_ge(it->key, last_key);
		if (it->key == last_key)
			ck_assert_int_gt(it->seq, last_seq);
		last_key = it->key;
		last_seq = it->seq;
	}
	/* rb_find returns the first (oldest) of the equal nodes. */
	n = rb_find(&t, &key, key_cmp);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(item_key(n), 5);
	ck_assert(rb_prev(n) == NULL || item_key(rb_prev(n)) < 5);
	for (int i = 0; i < 300; i++)
		if (dup[i].key == 5) {
			ck_assert_ptr_eq(n, &dup[i].node);
			break;
		}
	/* Removing them all in insertion order empties the tree. */
	for (int i = 0; i < 300; i++) {
		rb_remove(&t, &dup[i].node);
		if (i % 7 == 0)
			check_tree(&t, 299 - i);
	}
	ck_assert(rb_empty(&t));
}
END_TEST

/* A VM-map-like use: non-overlapping [start, end) regions keyed by start. */
struct region {
	uint64_t start, end;
	struct rb_node node;
};

static int
region_cmp(const struct rb_node *a, const struct rb_node *b)
{
	uint64_t sa = rb_entry(a, const struct region, node)->start;
	uint64_t sb = rb_entry(b, const struct region, node)->start;

	return (sa > sb) - (sa < sb);
}

/* The comparator from lib/rbtree.h: 0 when addr is inside the region. */
static int
addr_cmp(const void *key, const struct rb_node *n)
{
	uint64_t addr = *(const uint64_t *)key;
	const struct region *r = rb_entry(n, const struct region, node);

	return addr < r->start ? -1 : addr >= r->end ? 1 : 0;
}

START_TEST(test_region_lookups)
{
	/* Regions at 0x1000-0x3000, 0x5000-0x6000, 0x6000-0x9000, 0x10000-. */
	struct region r[] = {
		{ 0x6000, 0x9000, {0} }, { 0x1000, 0x3000, {0} },
		{ 0x10000, 0x20000, {0} }, { 0x5000, 0x6000, {0} },
	};
	static const struct {
		uint64_t addr;
		int containing;		/* index into r, or -1 */
		int next;		/* first region ending above addr, or -1 */
	} probes[] = {
		{ 0x0, -1, 1 }, { 0xfff, -1, 1 }, { 0x1000, 1, 1 },
		{ 0x2fff, 1, 1 }, { 0x3000, -1, 3 }, { 0x4fff, -1, 3 },
		{ 0x5000, 3, 3 }, { 0x5fff, 3, 3 }, { 0x6000, 0, 0 },
		{ 0x8fff, 0, 0 }, { 0x9000, -1, 2 }, { 0x1ffff, 2, 2 },
		{ 0x20000, -1, -1 }, { UINT64_MAX, -1, -1 },
	};
	struct rb_tree t = RB_TREE_INIT;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		rb_insert(&t, &r[i].node, region_cmp);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct rb_node *want_in = probes[i].containing < 0 ? NULL :
		    &r[probes[i].containing].node;
		struct rb_node *want_next = probes[i].next < 0 ? NULL :
		    &r[probes[i].next].node;

		ck_assert_ptr_eq(rb_find(&t, &probes[i].addr, addr_cmp),
		    want_in);
		ck_assert_ptr_eq(rb_lower_bound(&t, &probes[i].addr, addr_cmp),
		    want_next);
	}
}
END_TEST

START_TEST(test_small_cases)
{
	struct rb_tree t;
	struct item a = { .key = 1 }, b = { .key = 2 };
	int k = 1;

	rb_tree_init(&t);
	ck_assert(rb_empty(&t));
	ck_assert_ptr_null(rb_find(&t, &k, key_cmp));
	ck_assert_ptr_null(rb_lower_bound(&t, &k, key_cmp));
	rb_node_init(&a.node);
	ck_assert(!rb_linked(&a.node));
	rb_insert(&t, &a.node, item_cmp);
	ck_assert(rb_linked(&a.node));
	ck_assert_ptr_eq(rb_first(&t), &a.node);
	ck_assert_ptr_eq(rb_last(&t), &a.node);
	ck_assert_ptr_null(rb_next(&a.node));
	ck_assert_ptr_null(rb_prev(&a.node));
	rb_insert(&t, &b.node, item_cmp);
	ck_assert_ptr_eq(rb_next(&a.node), &b.node);
	ck_assert_ptr_eq(rb_prev(&b.node), &a.node);
	/* Removing the root with one child promotes the child. */
	rb_remove(&t, t.root);
	check_tree(&t, 1);
	rb_remove(&t, t.root);
	ck_assert(rb_empty(&t));
	ck_assert(!rb_linked(&a.node) && !rb_linked(&b.node));
}
END_TEST

static Suite *
rbtree_suite(void)
{
	Suite *s = suite_create("rbtree");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_small_cases);
	tcase_add_test(tc, test_random_insert_remove);
	tcase_add_test(tc, test_sorted_insert_stays_balanced);
	tcase_add_test(tc, test_equal_keys_keep_order);
	tcase_add_test(tc, test_region_lookups);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rbtree_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
