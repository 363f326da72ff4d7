/*
 * Unit tests for the intrusive lists of lib/list.h: pushes at both ends,
 * pops, removal from the middle (and twice), safe iteration with removal,
 * and a long random sequence checked against an array model.
 */
#include <check.h>
#include <stdint.h>

#include "lib/list.h"

struct elem {
	int value;
	struct list link;
};

/* Collect the values of head's elements into out; return the count. */
static int
values(struct list *head, int *out, int max)
{
	struct list *it;
	int n = 0;

	list_foreach(it, head) {
		ck_assert_int_lt(n, max);
		out[n++] = list_entry(it, struct elem, link)->value;
	}
	return n;
}

/* Check that every next/prev pair agrees. */
static void
check_links(struct list *head)
{
	struct list *it = head;

	do {
		ck_assert_ptr_eq(it->next->prev, it);
		ck_assert_ptr_eq(it->prev->next, it);
		it = it->next;
	} while (it != head);
}

START_TEST(test_empty)
{
	struct list head = LIST_INIT(head);
	struct list other;

	ck_assert(list_empty(&head));
	ck_assert_ptr_null(list_pop_front(&head));
	ck_assert_ptr_null(list_first_entry(&head, struct elem, link));
	list_init(&other);
	ck_assert(list_empty(&other));
	check_links(&head);
}
END_TEST

START_TEST(test_push_pop_order)
{
	struct list head = LIST_INIT(head);
	struct elem e[6];
	int got[6], n;

	for (int i = 0; i < 6; i++)
		e[i].value = i;
	list_push_back(&head, &e[2].link);
	list_push_back(&head, &e[3].link);
	list_push_front(&head, &e[1].link);
	list_push_back(&head, &e[4].link);
	list_push_front(&head, &e[0].link);
	list_push_back(&head, &e[5].link);
	check_links(&head);
	n = values(&head, got, 6);
	ck_assert_int_eq(n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(got[i], i);
	ck_assert_ptr_eq(list_first_entry(&head, struct elem, link), &e[0]);
	for (int i = 0; i < 6; i++) {
		struct list *l = list_pop_front(&head);

		ck_assert_ptr_eq(l, &e[i].link);
		/* A popped element is self-linked. */
		ck_assert_ptr_eq(l->next, l);
		ck_assert_ptr_eq(l->prev, l);
		check_links(&head);
	}
	ck_assert(list_empty(&head));
}
END_TEST

START_TEST(test_remove_middle_and_twice)
{
	struct list head = LIST_INIT(head);
	struct elem e[5];
	int got[5];

	for (int i = 0; i < 5; i++) {
		e[i].value = i;
		list_push_back(&head, &e[i].link);
	}
	list_remove(&e[2].link);
	list_remove(&e[2].link);	/* harmless the second time */
	list_remove(&e[0].link);
	list_remove(&e[4].link);
	check_links(&head);
	ck_assert_int_eq(values(&head, got, 5), 2);
	ck_assert_int_eq(got[0], 1);
	ck_assert_int_eq(got[1], 3);
	/* A removed element can join another list. */
	list_push_front(&head, &e[2].link);
	ck_assert_int_eq(values(&head, got, 5), 3);
	ck_assert_int_eq(got[0], 2);
}
END_TEST

START_TEST(test_foreach_safe_removal)
{
	struct list head = LIST_INIT(head), evens = LIST_INIT(evens);
	struct list *it, *tmp;
	struct elem e[10];
	int got[10], n;

	for (int i = 0; i < 10; i++) {
		e[i].value = i;
		list_push_back(&head, &e[i].link);
	}
	/* Move the even elements to another list while walking. */
	list_foreach_safe(it, tmp, &head) {
		struct elem *el = list_entry(it, struct elem, link);

		if (el->value % 2 == 0) {
			list_remove(it);
			list_push_back(&evens, it);
		}
	}
	check_links(&head);
	check_links(&evens);
	n = values(&head, got, 10);
	ck_assert_int_eq(n, 5);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(got[i], 2 * i + 1);
	n = values(&evens, got, 10);
	ck_assert_int_eq(n, 5);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(got[i], 2 * i);
	/* Remove everything while walking. */
	list_foreach_safe(it, tmp, &head)
		list_remove(it);
	ck_assert(list_empty(&head));
}
END_TEST

START_TEST(test_random_against_model)
{
	enum { N = 64 };
	struct list head = LIST_INIT(head);
	struct elem e[N];
	int model[N], len = 0, got[N];
	bool in[N] = { false };
	uint32_t r = 12345;

	for (int i = 0; i < N; i++) {
		e[i].value = i;
		list_init(&e[i].link);
	}
	for (int step = 0; step < 20000; step++) {
		int i, op;

		r = r * 1103515245u + 12345u;
		i = (int)((r >> 8) % N);
		op = (int)((r >> 20) % 4);
		if (!in[i] && op == 0) {
			list_push_front(&head, &e[i].link);
			for (int k = len; k > 0; k--)
				model[k] = model[k - 1];
			model[0] = i;
			len++;
			in[i] = true;
		} else if (!in[i] && op == 1) {
			list_push_back(&head, &e[i].link);
			model[len++] = i;
			in[i] = true;
		} else if (in[i] && op == 2) {
			int k = 0;

			list_remove(&e[i].link);
			while (model[k] != i)
				k++;
			for (; k < len - 1; k++)
				model[k] = model[k + 1];
			len--;
			in[i] = false;
		} else if (op == 3 && len > 0) {
			struct list *l = list_pop_front(&head);

			ck_assert_ptr_eq(l, &e[model[0]].link);
			in[model[0]] = false;
			for (int k = 0; k < len - 1; k++)
				model[k] = model[k + 1];
			len--;
		}
		if (step % 64 == 0) {
			ck_assert_int_eq(values(&head, got, N), len);
			for (int k = 0; k < len; k++)
				if (got[k] != model[k])
					ck_abort_msg("step %d: position %d", step, k);
			check_links(&head);
		}
	}
}
END_TEST

static Suite *
list_suite(void)
{
	Suite *s = suite_create("list");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_push_pop_order);
	tcase_add_test(tc, test_remove_middle_and_twice);
	tcase_add_test(tc, test_foreach_safe_removal);
	tcase_add_test(tc, test_random_against_model);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(list_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
