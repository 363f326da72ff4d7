/*
 * Intrusive red-black trees.  A struct rb_node is embedded in each element
 * and the element is reached with rb_entry() (container_of).  The tree
 * keeps its nodes ordered by a comparator the caller passes to each call;
 * it allocates nothing and takes no locks (the owner's lock guards it).
 *
 * Two kinds of comparator are used:
 *  - rb_cmp_fn orders two nodes, for insertion.  Nodes that compare equal
 *    are allowed; a new node goes after its equals, so equal keys keep
 *    their insertion order (timers with the same deadline fire in order).
 *  - rb_key_cmp_fn compares a search key with a node, for lookups.  It
 *    must agree with the tree's order: the nodes for which it is > 0 come
 *    first, then those for which it is 0, then those for which it is < 0.
 *
 * A key comparator needn't compare single keys.  A VM map keyed by region
 * start, with the key comparator
 *	addr < start ? -1 : addr >= end ? 1 : 0
 * finds "the region containing addr" with rb_find() and "the first region
 * ending above addr" (the one containing addr or the next one up) with
 * rb_lower_bound().
 *
 * Lookups and updates are O(log n); rb_first/rb_last are O(log n) and
 * rb_next/rb_prev amortised O(1).
 */
#ifndef LIB_RBTREE_H
#define LIB_RBTREE_H

#include "kern/types.h"

struct rb_node {
	struct rb_node *parent;		/* the node itself when not in a tree */
	struct rb_node *child[2];	/* RB_LEFT, RB_RIGHT; NULL is a leaf */
	bool red;
};

#define RB_LEFT		0
#define RB_RIGHT	1

struct rb_tree {
	struct rb_node *root;
};

#define RB_TREE_INIT	{ NULL }

/* < 0, 0, > 0 as a orders before, with, or after b. */
typedef int (*rb_cmp_fn)(const struct rb_node *a, const struct rb_node *b);
/* < 0, 0, > 0 as key orders before, with, or after node n. */
typedef int (*rb_key_cmp_fn)(const void *key, const struct rb_node *n);

#define rb_entry(p, type, member)	container_of(p, type, member)

static inline void rb_tree_init(struct rb_tree *t) { t->root = NULL; }
static inline bool rb_empty(const struct rb_tree *t) { return t->root == NULL; }

/* Mark n as in no tree; rb_remove() leaves removed nodes this way too. */
static inline void rb_node_init(struct rb_node *n) { n->parent = n; }
/* True while n is in a tree (n must have been initialised or inserted). */
static inline bool rb_linked(const struct rb_node *n) { return n->parent != n; }

/* Insert n, after any nodes equal to it. */
void rb_insert(struct rb_tree *t, struct rb_node *n, rb_cmp_fn cmp);
/* Remove n, which must be in t. */
void rb_remove(struct rb_tree *t, struct rb_node *n);

/* The smallest and largest nodes, or NULL when the tree is empty. */
struct rb_node *rb_first(const struct rb_tree *t);
struct rb_node *rb_last(const struct rb_tree *t);
/* The in-order neighbours of n, or NULL at either end. */
struct rb_node *rb_next(const struct rb_node *n);
struct rb_node *rb_prev(const struct rb_node *n);

/* The first node equal to key, or NULL. */
struct rb_node *rb_find(const struct rb_tree *t, const void *key,
    rb_key_cmp_fn cmp);
/* The first node not ordered before key (cmp <= 0), or NULL. */
struct rb_node *rb_lower_bound(const struct rb_tree *t, const void *key,
    rb_key_cmp_fn cmp);
/* The first node ordered after key (cmp < 0), or NULL. */
struct rb_node *rb_upper_bound(const struct rb_tree *t, const void *key,
    rb_key_cmp_fn cmp);

#endif
