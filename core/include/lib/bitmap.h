/*
 * Bitmaps: arrays of unsigned long words, bit i being bit (i % BITS_PER_LONG)
 * of word i / BITS_PER_LONG.  A bitmap of nbits bits takes
 * BITMAP_LONGS(nbits) words; bits past nbits in the last word are never
 * read by the searches, so they may hold anything.
 *
 * These are plain (non-atomic) operations: the bitmap's owner serialises
 * access, typically with its lock.  Searches return the found bit number,
 * or nbits when there is none.
 */
#ifndef LIB_BITMAP_H
#define LIB_BITMAP_H

#include "kern/types.h"

#define BITS_PER_LONG		(8 * sizeof(unsigned long))
#define BITMAP_LONGS(nbits)	(((nbits) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, nbits)	unsigned long name[BITMAP_LONGS(nbits)]

/* The bit for bit number `bit` within its word. */
static inline unsigned long
bitmap_mask(size_t bit)
{
	return 1ul << (bit % BITS_PER_LONG);
}

/* Set, clear or test one bit. */
static inline void
bitmap_set(unsigned long *map, size_t bit)
{
	map[bit / BITS_PER_LONG] |= bitmap_mask(bit);
}

static inline void
bitmap_clear(unsigned long *map, size_t bit)
{
	map[bit / BITS_PER_LONG] &= ~bitmap_mask(bit);
}

static inline bool
bitmap_test(const unsigned long *map, size_t bit)
{
	return (map[bit / BITS_PER_LONG] & bitmap_mask(bit)) != 0;
}

/* Clear or set all of bits [0, nbits). */
void bitmap_zero(unsigned long *map, size_t nbits);
void bitmap_fill(unsigned long *map, size_t nbits);

/* Set or clear the n bits [start, start + n). */
void bitmap_set_range(unsigned long *map, size_t start, size_t n);
void bitmap_clear_range(unsigned long *map, size_t start, size_t n);

/* The first set (or clear) bit in [from, nbits), or nbits if none. */
size_t bitmap_find_set(const unsigned long *map, size_t nbits, size_t from);
size_t bitmap_find_zero(const unsigned long *map, size_t nbits, size_t from);

/*
 * The start of the first run of n clear bits lying wholly in [from, nbits),
 * or nbits if there is none.  An empty run (n = 0) is found at from.
 */
size_t bitmap_find_zero_run(const unsigned long *map, size_t nbits,
    size_t from, size_t n);

/* The number of set bits in [0, nbits). */
size_t bitmap_count(const unsigned long *map, size_t nbits);

#endif
