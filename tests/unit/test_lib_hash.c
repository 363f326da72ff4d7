/*
 * Unit tests for core/lib/hash.c: CRC32C against published vectors (RFC
 * 3720) and the bitwise definition, incremental against one-shot; FNV-1a
 * against published vectors; the integer mixer's spread.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "lib/hash.h"

/* The bitwise definition of CRC32C, for checking the table. */
static uint32_t
crc32c_bitwise(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t c = 0xffffffffu;

	for (; n > 0; n--, b++) {
		c ^= *b;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
	}
	return ~c;
}

START_TEST(test_crc32c_vectors)
{
	unsigned char buf[32];

	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(crc32c(0, "", 0), 0);
	ck_assert_uint_eq(crc32c(0, "a", 1), 0xc1d04330u);
	/* RFC 3720, appendix B.4. */
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x113fdb5cu);
}
END_TEST

START_TEST(test_crc32c_table_matches_definition)
{
	unsigned char b[3];

	/* One byte b reads table entry ~b: this visits all 256 entries. */
	for (int i = 0; i < 256; i++) {
		b[0] = (unsigned char)i;
		ck_assert_uint_eq(crc32c(0, b, 1), crc32c_bitwise(b, 1));
	}
	for (int i = 0; i < 4096; i++) {
		b[0] = (unsigned char)i;
		b[1] = (unsigned char)(i >> 4);
		b[2] = (unsigned char)(i * 7);
		if (crc32c(0, b, 3) != crc32c_bitwise(b, 3))
			ck_abort_msg("crc32c of 3 bytes, case %d", i);
	}
}
END_TEST

START_TEST(test_crc32c_incremental)
{
	static unsigned char data[4096];
	uint32_t whole;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	whole = crc32c(0, data, sizeof(data));
	ck_assert_uint_eq(whole, crc32c_bitwise(data, sizeof(data)));
	/* Every split point, and then many small pieces. */
	for (size_t cut = 0; cut <= sizeof(data); cut += 13) {
		uint32_t c = crc32c(0, data, cut);

		ck_assert_uint_eq(crc32c(c, data + cut, sizeof(data) - cut),
		    whole);
	}
	{
		uint32_t c = 0;
		size_t off = 0, step = 1;

		while (off < sizeof(data)) {
			size_t n = step < sizeof(data) - off ? step :
			    sizeof(data) - off;

			c = crc32c(c, data + off, n);
			off += n;
			step = step * 3 % 97 + 1;
		}
		ck_assert_uint_eq(c, whole);
	}
	/* Empty pieces change nothing. */
	ck_assert_uint_eq(crc32c(whole, data, 0), whole);
}
END_TEST

START_TEST(test_crc32c_detects_flips)
{
	unsigned char data[512];
	uint32_t good;

	memset(data, 0x5a, sizeof(data));
	good = crc32c(0, data, sizeof(data));
	for (size_t bit = 0; bit < sizeof(data) * 8; bit += 7) {
		data[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		ck_assert_uint_ne(crc32c(0, data, sizeof(data)), good);
		data[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
}
END_TEST

START_TEST(test_fnv1a_vectors)
{
	ck_assert_uint_eq(hash_bytes("", 0), 0xcbf29ce484222325ull);
	ck_assert_uint_eq(hash_bytes("a", 1), 0xaf63dc4c8601ec8cull);
	ck_assert_uint_eq(hash_bytes("foobar", 6), 0x85944171f73967e8ull);
	ck_assert_uint_eq(hash_str(""), 0xcbf29ce484222325ull);
	ck_assert_uint_eq(hash_str("a"), 0xaf63dc4c8601ec8cull);
	ck_assert_uint_eq(hash_str("foobar"), 0x85944171f73967e8ull);
}
END_TEST

START_TEST(test_hash_str_equals_hash_bytes)
{
	static const char *const names[] = { "", ".", "..", "bin", "usr",
		"lib64", "a-long-file-name-with-some-length.txt" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_uint_eq(hash_str(names[i]),
		    hash_bytes(names[i], strlen(names[i])));
	/* A name given by length inside a longer path. */
	ck_assert_uint_eq(hash_bytes("usr/lib", 3), hash_str("usr"));
	ck_assert_uint_ne(hash_str("ab"), hash_str("ba"));
}
END_TEST

START_TEST(test_hash_u64_spreads)
{
	enum { BUCKETS = 64, N = 64 * 1024 };
	static unsigned counts[BUCKETS];
	static uint64_t seen[4096];

	/* Consecutive integers and page-aligned addresses spread evenly. */
	for (uint64_t stride = 1; stride <= 4096; stride *= 4096) {
		memset(counts, 0, sizeof(counts));
		for (uint64_t i = 0; i < N; i++)
			counts[hash_u64(i * stride) % BUCKETS]++;
		for (int b = 0; b < BUCKETS; b++) {
			/* Expect 1024 per bucket; allow generous noise. */
			ck_assert_uint_gt(counts[b], 850);
			ck_assert_uint_lt(counts[b], 1200);
		}
	}
	/* A bijection: no collisions among a few thousand inputs. */
	for (uint64_t i = 0; i < 4096; i++) {
		seen[i] = hash_u64(i);
		for (uint64_t j = 0; j < i; j++)
			if (seen[j] == seen[i])
				ck_abort_msg("hash_u64(%lu) == hash_u64(%lu)",
				    (unsigned long)i, (unsigned long)j);
	}
	ck_assert_uint_eq(hash_u64(0), 0);
	ck_assert_uint_ne(hash_u64(1), 1);
}
END_TEST

START_TEST(test_hash_u64_avalanche)
{
	/* Flipping one input bit flips about half of the output bits. */
	uint64_t total = 0;
	int trials = 0;

	for (uint64_t x = 1; x < 200; x++) {
		for (int bit = 0; bit < 64; bit++) {
			uint64_t d = hash_u64(x) ^ hash_u64(x ^ (1ull << bit));

			total += (uint64_t)__builtin_popcountll(d);
			trials++;
		}
	}
	ck_assert_uint_gt(total * 100 / trials, 30 * 100);
	ck_assert_uint_lt(total * 100 / trials, 34 * 100);
}
END_TEST

START_TEST(test_hash_combine_and_ptr)
{
	int a, b;

	ck_assert_uint_ne(hash_combine(1, 2), hash_combine(2, 1));
	ck_assert_uint_eq(hash_combine(7, 9), hash_combine(7, 9));
	ck_assert_uint_ne(hash_combine(0, 0), 0);
	ck_assert_uint_eq(hash_ptr(&a), hash_u64((uintptr_t)&a));
	ck_assert_uint_ne(hash_ptr(&a), hash_ptr(&b));
}
END_TEST

static Suite *
hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("crc32c");

	tcase_add_test(tc, test_crc32c_vectors);
	tcase_add_test(tc, test_crc32c_table_matches_definition);
	tcase_add_test(tc, test_crc32c_incremental);
	tcase_add_test(tc, test_crc32c_detects_flips);
	suite_add_tcase(s, tc);
	tc = tcase_create("hash");
	tcase_add_test(tc, test_fnv1a_vectors);
	tcase_add_test(tc, test_hash_str_equals_hash_bytes);
	tcase_add_test(tc, test_hash_u64_spreads);
	tcase_add_test(tc, test_hash_u64_avalanche);
	tcase_add_test(tc, test_hash_combine_and_ptr);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hash_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
