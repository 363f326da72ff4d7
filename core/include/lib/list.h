/*
 * Intrusive circular doubly-linked lists.  A struct list is both the head
 * of a list and the link inside each element; an empty head points at
 * itself.  Elements are reached with container_of().
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include "kern/types.h"

struct list {
	struct list *next, *prev;
};

#define LIST_INIT(name)	{ &(name), &(name) }

static inline void list_init(struct list *l) { l->next = l->prev = l; }
static inline bool list_empty(const struct list *l) { return l->next == l; }

static inline void list_insert_between(struct list *n, struct list *prev,
    struct list *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Insert n at the front (after head) or at the back (before head). */
static inline void list_push_front(struct list *head, struct list *n)
{
	list_insert_between(n, head, head->next);
}
static inline void list_push_back(struct list *head, struct list *n)
{
	list_insert_between(n, head->prev, head);
}

/* Unlink n and leave it self-linked, so a second list_remove() is harmless. */
static inline void list_remove(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* Remove and return the first element, or NULL when empty. */
static inline struct list *list_pop_front(struct list *head)
{
	struct list *n = head->next;

	if (n == head)
		return NULL;
	list_remove(n);
	return n;
}

#define list_entry(p, type, member)	container_of(p, type, member)
#define list_first_entry(head, type, member) \
	(list_empty(head) ? NULL : container_of((head)->next, type, member))

#define list_foreach(it, head) \
	for ((it) = (head)->next; (it) != (head); (it) = (it)->next)
/* Safe against removal of the current element. */
#define list_foreach_safe(it, tmp, head) \
	for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head); \
	    (it) = (tmp), (tmp) = (it)->next)

#endif
