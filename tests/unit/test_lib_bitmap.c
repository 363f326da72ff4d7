/*
 * Unit tests for core/lib/bitmap.c: every operation is compared with a
 * bool-array reference over sizes around word boundaries, random patterns
 * and every starting position, with garbage in the unused tail bits.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "lib/bitmap.h"

#define MAXBITS	260
static const size_t sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 191, 192,
	193, 256, 257 };

static unsigned long map[BITMAP_LONGS(MAXBITS)];
static bool ref[MAXBITS];

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Fill map and ref with a pattern: density out of 8 bits set, laid out
 * either randomly or in runs; bits past nbits get tail garbage.
 */
static void
make_pattern(size_t nbits, int density, bool runs, unsigned long tail)
{
	bool cur = false;

	memset(map, 0, sizeof(map));
	for (size_t i = 0; i < nbits; i++) {
		if (runs) {
			if (rng() % 16 == 0)
				cur = (int)(rng() % 8) < density;
			ref[i] = cur;
		} else {
			ref[i] = (int)(rng() % 8) < density;
		}
		if (ref[i])
			map[i / BITS_PER_LONG] |= 1ul << (i % BITS_PER_LONG);
	}
	for (size_t i = nbits; i < BITMAP_LONGS(nbits) * BITS_PER_LONG; i++)
		if (tail & (1ul << (i % BITS_PER_LONG)))
			map[i / BITS_PER_LONG] |= 1ul << (i % BITS_PER_LONG);
}

static size_t
ref_find(size_t nbits, size_t from, bool value)
{
	for (size_t i = from; i < nbits; i++)
		if (ref[i] == value)
			return i;
	return nbits;
}

static size_t
ref_find_run(size_t nbits, size_t from, size_t n)
{
	for (size_t s = from; s + n <= nbits; s++) {
		size_t k = 0;

		while (k < n && !ref[s + k])
			k++;
		if (k == n)
			return s;
	}
	return nbits;
}

/* Compare every search from every start position with the reference. */
static void
check_searches(size_t nbits)
{
	for (size_t from = 0; from <= nbits + 1; from++) {
		size_t want = from < nbits ? ref_find(nbits, from, true) : nbits;
		size_t got = bitmap_find_set(map, nbits, from);

		if (got != want)
			ck_abort_msg("find_set(%zu bits, from %zu) = %zu, want %zu",
			    nbits, from, got, want);
		want = from < nbits ? ref_find(nbits, from, false) : nbits;
		got = bitmap_find_zero(map, nbits, from);
		if (got != want)
			ck_abort_msg("find_zero(%zu bits, from %zu) = %zu, want %zu",
			    nbits, from, got, want);
	}
}

static void
check_runs(size_t nbits)
{
	static const size_t lens[] = { 1, 2, 3, 7, 8, 31, 63, 64, 65, 100, 129 };

	for (size_t from = 0; from < nbits; from += 1 + from / 16) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t want = ref_find_run(nbits, from, lens[l]);
			size_t got = bitmap_find_zero_run(map, nbits, from,
			    lens[l]);

			if (got != want)
				ck_abort_msg("zero_run(%zu bits, from %zu, n %zu)"
				    " = %zu, want %zu", nbits, from, lens[l],
				    got, want);
		}
	}
}

static size_t
ref_count(size_t nbits)
{
	size_t c = 0;

	for (size_t i = 0; i < nbits; i++)
		c += ref[i];
	return c;
}

START_TEST(test_find_against_reference)
{
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int density = 0; density <= 8; density++) {
			for (int trial = 0; trial < 4; trial++) {
				make_pattern(sizes[s], density, trial & 1,
				    trial & 2 ? ~0ul : 0);
				check_searches(sizes[s]);
				check_runs(sizes[s]);
				ck_assert_uint_eq(bitmap_count(map, sizes[s]),
				    ref_count(sizes[s]));
			}
		}
	}
}
END_TEST

START_TEST(test_word_boundaries)
{
	DECLARE_BITMAP(m, 192);

	bitmap_zero(m, 192);
	bitmap_set(m, 63);
	bitmap_set(m, 64);
	bitmap_set(m, 128);
	ck_assert_uint_eq(bitmap_find_set(m, 192, 0), 63);
	ck_assert_uint_eq(bitmap_find_set(m, 192, 63), 63);
	ck_assert_uint_eq(bitmap_find_set(m, 192, 64), 64);
	ck_assert_uint_eq(bitmap_find_set(m, 192, 65), 128);
	ck_assert_uint_eq(bitmap_find_set(m, 192, 129), 192);
	ck_assert_uint_eq(bitmap_find_set(m, 128, 65), 128);	/* limit */
	ck_assert_uint_eq(bitmap_find_zero(m, 192, 63), 65);
	/* A zero run may not straddle the set bits. */
	ck_assert_uint_eq(bitmap_find_zero_run(m, 192, 0, 63), 0);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 192, 0, 64), 192);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 192, 1, 62), 1);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 192, 1, 63), 65);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 192, 0, 0), 0);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 192, 100, 0), 100);
	ck_assert_uint_eq(bitmap_count(m, 192), 3);
	ck_assert_uint_eq(bitmap_count(m, 64), 1);
	ck_assert_uint_eq(bitmap_count(m, 65), 2);
	ck_assert(bitmap_test(m, 64));
	bitmap_clear(m, 64);
	ck_assert(!bitmap_test(m, 64));
	ck_assert(bitmap_test(m, 63));
}
END_TEST

START_TEST(test_ranges_against_reference)
{
	for (int trial = 0; trial < 3000; trial++) {
		size_t nbits = sizes[rng() % (sizeof(sizes) / sizeof(sizes[0]))];
		size_t start = rng() % nbits;
		size_t n = rng() % (nbits - start + 1);
		bool set = rng() & 1;

		make_pattern(nbits, 4, trial & 1, 0);
		if (set)
			bitmap_set_range(map, start, n);
		else
			bitmap_clear_range(map, start, n);
		for (size_t i = start; i < start + n; i++)
			ref[i] = set;
		for (size_t i = 0; i < nbits; i++)
			if (bitmap_test(map, i) != ref[i])
				ck_abort_msg("%s_range(%zu, %zu) of %zu: bit %zu",
				    set ? "set" : "clear", start, n, nbits, i);
		/* Nothing past nbits was touched. */
		for (size_t i = nbits; i < BITMAP_LONGS(nbits) * BITS_PER_LONG; i++)
			if (bitmap_test(map, i))
				ck_abort_msg("bit %zu past %zu set", i, nbits);
	}
}
END_TEST

START_TEST(test_fill_and_zero)
{
	unsigned long m[4];

	memset(m, 0xa5, sizeof(m));
	bitmap_zero(m, 130);
	ck_assert_uint_eq(bitmap_count(m, 130), 0);
	ck_assert_uint_eq(bitmap_find_set(m, 130, 0), 130);
	ck_assert_uint_eq(m[3], 0xa5a5a5a5a5a5a5a5ul);	/* beyond the map */
	bitmap_fill(m, 130);
	ck_assert_uint_eq(bitmap_count(m, 130), 130);
	ck_assert_uint_eq(bitmap_find_zero(m, 130, 0), 130);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 130, 0, 1), 130);
	ck_assert_uint_eq(m[2], 3);
	bitmap_clear_range(m, 60, 10);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 130, 0, 10), 60);
	ck_assert_uint_eq(bitmap_find_zero_run(m, 130, 0, 11), 130);
	ck_assert_uint_eq(bitmap_count(m, 130), 120);
}
END_TEST

static Suite *
bitmap_suite(void)
{
	Suite *s = suite_create("bitmap");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_word_boundaries);
	tcase_add_test(tc, test_fill_and_zero);
	tcase_add_test(tc, test_find_against_reference);
	tcase_add_test(tc, test_ranges_against_reference);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(bitmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
