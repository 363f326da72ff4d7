/*
 * Bitmaps (see lib/bitmap.h).
 *
 * Searches look at a whole word at a time: bits before the starting
 * position are masked off in the first word, all-zero words are skipped,
 * and the lowest set bit of the first interesting word is found with a
 * count-trailing-zeros instruction.  A search for a clear bit is the same
 * search over inverted words.  Bits beyond nbits in the last word may be
 * garbage, so a hit there is reported as "none".
 *
 * Counting uses the classic parallel bit count (sum adjacent bits, then
 * pairs, then nibbles, then add the bytes with one multiply) instead of
 * __builtin_popcountl: without the popcnt instruction, which the x86_64
 * bake does not assume, GCC would call libgcc's __popcountdi2, and the
 * freestanding kernel links no libgcc.
 */
#include "lib/bitmap.h"

_Static_assert(sizeof(unsigned long) == 8, "bitmap.c assumes 64-bit words");

/* Bits [bit % BITS_PER_LONG, BITS_PER_LONG) of a word. */
static inline unsigned long
mask_from(size_t bit)
{
	return ~0ul << (bit % BITS_PER_LONG);
}

/* Bits of the word holding bit end - 1 that lie below end (exclusive). */
static inline unsigned long
mask_to(size_t end)
{
	size_t r = end % BITS_PER_LONG;

	return r == 0 ? ~0ul : (1ul << r) - 1;
}

/* Clear all of bits [0, nbits). */
void
bitmap_zero(unsigned long *map, size_t nbits)
{
	for (size_t w = 0; w < BITMAP_LONGS(nbits); w++)
		map[w] = 0;
}

/* Set all of bits [0, nbits). */
void
bitmap_fill(unsigned long *map, size_t nbits)
{
	bitmap_set_range(map, 0, nbits);
}

/* Set bits [start, start + n). */
void
bitmap_set_range(unsigned long *map, size_t start, size_t n)
{
	size_t w, last;
	unsigned long m;

	if (n == 0)
		return;
	w = start / BITS_PER_LONG;
	last = (start + n - 1) / BITS_PER_LONG;
	for (m = mask_from(start); w < last; w++, m = ~0ul)
		map[w] |= m;
	map[w] |= m & mask_to(start + n);
}

/* Clear bits [start, start + n). */
void
bitmap_clear_range(unsigned long *map, size_t start, size_t n)
{
	size_t w, last;
	unsigned long m;

	if (n == 0)
		return;
	w = start / BITS_PER_LONG;
	last = (start + n - 1) / BITS_PER_LONG;
	for (m = mask_from(start); w < last; w++, m = ~0ul)
		map[w] &= ~m;
	map[w] &= ~(m & mask_to(start + n));
}

/*
 * The first bit in [from, nbits) that is set in the map xor invert
 * (invert is 0 to find a set bit, all ones to find a clear one).
 */
static size_t
find_bit(const unsigned long *map, size_t nbits, size_t from,
    unsigned long invert)
{
	size_t w, nwords = BITMAP_LONGS(nbits), bit;
	unsigned long word;

	if (from >= nbits)
		return nbits;
	w = from / BITS_PER_LONG;
	word = (map[w] ^ invert) & mask_from(from);
	while (word == 0) {
		if (++w >= nwords)
			return nbits;
		word = map[w] ^ invert;
	}
	bit = w * BITS_PER_LONG + (size_t)__builtin_ctzl(word);
	return bit < nbits ? bit : nbits;
}

/* The first set bit in [from, nbits), or nbits. */
size_t
bitmap_find_set(const unsigned long *map, size_t nbits, size_t from)
{
	return find_bit(map, nbits, from, 0);
}

/* The first clear bit in [from, nbits), or nbits. */
size_t
bitmap_find_zero(const unsigned long *map, size_t nbits, size_t from)
{
	return find_bit(map, nbits, from, ~0ul);
}

/*
 * The first run of n clear bits inside [from, nbits): find a clear bit,
 * look for a set bit among the n - 1 after it, and if there is one resume
 * the search past it.
 */
size_t
bitmap_find_zero_run(const unsigned long *map, size_t nbits, size_t from,
    size_t n)
{
	size_t start, end;

	if (n == 0)
		return from < nbits ? from : nbits;
	for (;;) {
		start = bitmap_find_zero(map, nbits, from);
		if (start >= nbits || nbits - start < n)
			return nbits;
		end = bitmap_find_set(map, start + n, start);
		if (end == start + n)
			return start;
		from = end;
	}
}

/* The number of set bits in x (a parallel sum over ever-wider fields). */
static unsigned
popcount(unsigned long x)
{
	x -= (x >> 1) & 0x5555555555555555ul;
	x = (x & 0x3333333333333333ul) + ((x >> 2) & 0x3333333333333333ul);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0ful;
	return (unsigned)((x * 0x0101010101010101ul) >> 56);
}

/* The number of set bits in [0, nbits). */
size_t
bitmap_count(const unsigned long *map, size_t nbits)
{
	size_t w, full = nbits / BITS_PER_LONG, count = 0;

	for (w = 0; w < full; w++)
		count += popcount(map[w]);
	if (nbits % BITS_PER_LONG != 0)
		count += popcount(map[w] & mask_to(nbits));
	return count;
}
