/*
 * Red-black trees (see lib/rbtree.h for the interface).
 *
 * A red-black tree is a binary search tree whose nodes are red or black,
 * with NULL leaves counting as black, kept so that
 *	1. the root is black,
 *	2. a red node has no red child, and
 *	3. every path from a node down to a leaf crosses the same number of
 *	   black nodes (its black height).
 * Together these bound the height by 2 log2(n + 1).
 *
 * Insertion adds a red leaf, which can only break rule 2 (or rule 1 at the
 * root); the repair walks up recolouring while the new node's uncle is red
 * and finishes with at most two rotations.  Removal first reduces to
 * unlinking a node with at most one child (a node with two children swaps
 * places with its successor, the leftmost node of its right subtree);
 * removing a black node leaves one path a black short, and the repair
 * walks up until it can borrow a red node from the sibling's side, with at
 * most three rotations.  This is the textbook algorithm (Cormen et al.,
 * "Introduction to Algorithms", ch. 13) with NULL leaves instead of a
 * sentinel node.
 *
 * Left and right cases are mirror images, so the code works with a
 * direction index: child[dir] is one side and child[!dir] the other, and
 * each case is written once.
 *
 * Nodes are relinked, never copied, so pointers to elements stay valid
 * across every operation, and removal swaps the successor into place
 * rather than moving its contents.
 */
#include "lib/rbtree.h"

/* Leaves (NULL) are black. */
static inline bool
is_red(const struct rb_node *n)
{
	return n != NULL && n->red;
}

/* Which side of its parent n hangs on.  n must have a parent. */
static inline int
side_of(const struct rb_node *n)
{
	return n->parent->child[RB_RIGHT] == n ? RB_RIGHT : RB_LEFT;
}

/* Make new take old's place under parent (or as the root). */
static void
replace_child(struct rb_tree *t, struct rb_node *parent, struct rb_node *old,
    struct rb_node *new)
{
	if (parent == NULL)
		t->root = new;
	else if (parent->child[RB_LEFT] == old)
		parent->child[RB_LEFT] = new;
	else
		parent->child[RB_RIGHT] = new;
}

/*
 * Rotate x down towards side dir: its child on the other side, y, takes
 * its place and x becomes y's child on side dir.  In-order is unchanged.
 */
static void
rotate(struct rb_tree *t, struct rb_node *x, int dir)
{
	struct rb_node *y = x->child[!dir];
	struct rb_node *inner = y->child[dir];

	x->child[!dir] = inner;
	if (inner != NULL)
		inner->parent = x;
	y->parent = x->parent;
	replace_child(t, x->parent, x, y);
	y->child[dir] = x;
	x->parent = y;
}

/* Restore the colour rules after n was linked in as a red leaf. */
static void
insert_fixup(struct rb_tree *t, struct rb_node *n)
{
	struct rb_node *p, *g, *uncle;
	int dir;

	while ((p = n->parent) != NULL && p->red) {
		/* p is red, so it is not the root: g exists. */
		g = p->parent;
		dir = side_of(p);
		uncle = g->child[!dir];
		if (is_red(uncle)) {
			/* Push g's blackness down; the problem moves up. */
			p->red = false;
			uncle->red = false;
			g->red = true;
			n = g;
			continue;
		}
		if (n == p->child[!dir]) {
			/* Inner grandchild: turn it into an outer one. */
			rotate(t, p, dir);
			n = p;
			p = n->parent;
		}
		rotate(t, g, !dir);
		p->red = false;
		g->red = true;
		break;
	}
	t->root->red = false;
}

/* Insert n after every node that does not order after it. */
void
rb_insert(struct rb_tree *t, struct rb_node *n, rb_cmp_fn cmp)
{
	struct rb_node *parent = NULL, **link = &t->root;

	while (*link != NULL) {
		parent = *link;
		link = &parent->child[cmp(n, parent) < 0 ? RB_LEFT : RB_RIGHT];
	}
	n->parent = parent;
	n->child[RB_LEFT] = n->child[RB_RIGHT] = NULL;
	n->red = true;
	*link = n;
	insert_fixup(t, n);
}

/*
 * Restore rule 3 after a black node was unlinked from under parent,
 * leaving x (possibly NULL) one black short on its side.
 */
static void
remove_fixup(struct rb_tree *t, struct rb_node *x, struct rb_node *parent)
{
	struct rb_node *sib;
	int dir;

	while (x != t->root && !is_red(x)) {
		/*
		 * x may be NULL; its sibling cannot be (it has black height
		 * at least one), so comparing with the left child is enough.
		 */
		dir = parent->child[RB_LEFT] == x ? RB_LEFT : RB_RIGHT;
		sib = parent->child[!dir];
		if (sib->red) {
			/* Make the sibling black; the parent turns red. */
			sib->red = false;
			parent->red = true;
			rotate(t, parent, dir);
			sib = parent->child[!dir];
		}
		if (!is_red(sib->child[RB_LEFT]) &&
		    !is_red(sib->child[RB_RIGHT])) {
			/* Shorten the sibling's side too; move up. */
			sib->red = true;
			x = parent;
			parent = x->parent;
			continue;
		}
		if (!is_red(sib->child[!dir])) {
			/* Only the near nephew is red: rotate it outwards. */
			sib->child[dir]->red = false;
			sib->red = true;
			rotate(t, sib, !dir);
			sib = parent->child[!dir];
		}
		/* The far nephew is red: one rotation pays the debt. */
		sib->red = parent->red;
		parent->red = false;
		sib->child[!dir]->red = false;
		rotate(t, parent, dir);
		x = t->root;
		break;
	}
	if (x != NULL)
		x->red = false;
}

/*
 * Put n's successor s (the leftmost node of n's right subtree, which has
 * no left child) in n's place, with n's colour.  The spot s vacated is
 * where a black node may now be missing: *xp gets the node now there (s's
 * old right child, possibly NULL) and *parentp its parent.  Returns true
 * when s was red, so nothing is missing.
 */
static bool
swap_in_successor(struct rb_tree *t, struct rb_node *n, struct rb_node **xp,
    struct rb_node **parentp)
{
	struct rb_node *s = n->child[RB_RIGHT];
	bool s_red;

	while (s->child[RB_LEFT] != NULL)
		s = s->child[RB_LEFT];
	s_red = s->red;
	*xp = s->child[RB_RIGHT];
	if (s->parent == n) {
		*parentp = s;
	} else {
		*parentp = s->parent;
		s->parent->child[RB_LEFT] = *xp;
		if (*xp != NULL)
			(*xp)->parent = s->parent;
		s->child[RB_RIGHT] = n->child[RB_RIGHT];
		s->child[RB_RIGHT]->parent = s;
	}
	s->child[RB_LEFT] = n->child[RB_LEFT];
	s->child[RB_LEFT]->parent = s;
	s->parent = n->parent;
	replace_child(t, n->parent, n, s);
	s->red = n->red;
	return s_red;
}

/* Unlink n from t and mark it unlinked (rb_linked() is then false). */
void
rb_remove(struct rb_tree *t, struct rb_node *n)
{
	struct rb_node *x, *parent;
	bool removed_red;

	if (n->child[RB_LEFT] != NULL && n->child[RB_RIGHT] != NULL) {
		removed_red = swap_in_successor(t, n, &x, &parent);
	} else {
		x = n->child[n->child[RB_LEFT] != NULL ? RB_LEFT : RB_RIGHT];
		parent = n->parent;
		removed_red = n->red;
		if (x != NULL)
			x->parent = parent;
		replace_child(t, parent, n, x);
	}
	if (!removed_red)
		remove_fixup(t, x, parent);
	rb_node_init(n);
}

/* The extreme node of the subtree at n on side dir. */
static struct rb_node *
extreme(struct rb_node *n, int dir)
{
	if (n != NULL)
		while (n->child[dir] != NULL)
			n = n->child[dir];
	return n;
}

/* The smallest node of t, or NULL. */
struct rb_node *
rb_first(const struct rb_tree *t)
{
	return extreme(t->root, RB_LEFT);
}

/* The largest node of t, or NULL. */
struct rb_node *
rb_last(const struct rb_tree *t)
{
	return extreme(t->root, RB_RIGHT);
}

/*
 * The in-order neighbour of n on side dir: the extreme of its subtree on
 * that side, else the first ancestor reached from the other side.
 */
static struct rb_node *
neighbour(const struct rb_node *n, int dir)
{
	if (n->child[dir] != NULL)
		return extreme(n->child[dir], !dir);
	while (n->parent != NULL && n->parent->child[dir] == n)
		n = n->parent;
	return n->parent;
}

/* The node after n, or NULL. */
struct rb_node *
rb_next(const struct rb_node *n)
{
	return neighbour(n, RB_RIGHT);
}

/* The node before n, or NULL. */
struct rb_node *
rb_prev(const struct rb_node *n)
{
	return neighbour(n, RB_LEFT);
}

/*
 * The first node for which cmp(key, node) < limit, or NULL.  Because the
 * key comparator agrees with the tree order, those nodes form a suffix of
 * the in-order sequence, so one descent finds where it starts.
 */
static struct rb_node *
first_below(const struct rb_tree *t, const void *key, rb_key_cmp_fn cmp,
    int limit)
{
	struct rb_node *n = t->root, *best = NULL;

	while (n != NULL) {
		if (cmp(key, n) < limit) {
			best = n;
			n = n->child[RB_LEFT];
		} else {
			n = n->child[RB_RIGHT];
		}
	}
	return best;
}

/* The first node with cmp(key, node) <= 0, or NULL. */
struct rb_node *
rb_lower_bound(const struct rb_tree *t, const void *key, rb_key_cmp_fn cmp)
{
	return first_below(t, key, cmp, 1);
}

/* The first node with cmp(key, node) < 0, or NULL. */
struct rb_node *
rb_upper_bound(const struct rb_tree *t, const void *key, rb_key_cmp_fn cmp)
{
	return first_below(t, key, cmp, 0);
}

/* The first node with cmp(key, node) == 0, or NULL. */
struct rb_node *
rb_find(const struct rb_tree *t, const void *key, rb_key_cmp_fn cmp)
{
	struct rb_node *n = rb_lower_bound(t, key, cmp);

	return n != NULL && cmp(key, n) == 0 ? n : NULL;
}
