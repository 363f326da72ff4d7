/*
 * Unit tests for core/lib/string.c.  The core's definitions replace the
 * host libc's in this executable, so the references here are plain loops
 * written in the test, and every call goes through a volatile function
 * pointer so the compiler cannot expand it inline as a builtin.  Bulk
 * functions are checked over all relative alignments and many sizes, with
 * guard bytes around the destination.  Under AddressSanitizer one test
 * checks that an overread inside our memcpy is still caught.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/string.h"

static void *(*volatile k_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile k_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile k_memset)(void *, int, size_t) = memset;
static int (*volatile k_memcmp)(const void *, const void *, size_t) = memcmp;
static void *(*volatile k_memchr)(const void *, int, size_t) = memchr;
static size_t (*volatile k_strlen)(const char *) = strlen;
static size_t (*volatile k_strnlen)(const char *, size_t) = strnlen;
static int (*volatile k_strcmp)(const char *, const char *) = strcmp;
static int (*volatile k_strncmp)(const char *, const char *, size_t) = strncmp;
static char *(*volatile k_strchr)(const char *, int) = strchr;
static char *(*volatile k_strrchr)(const char *, int) = strrchr;
static size_t (*volatile k_strlcpy)(char *, const char *, size_t) = strlcpy;
static size_t (*volatile k_strlcat)(char *, const char *, size_t) = strlcat;

#define AREA	4096
#define GUARD	0xa7

static unsigned char src[AREA], dst[AREA], want[AREA];

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
randomise(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

/* Byte-for-byte comparison that does not use the functions under test. */
static bool
same(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void
fill(unsigned char *p, unsigned char v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

START_TEST(test_ours_not_libc)
{
	Dl_info mine, ours;

	/* The definitions live in this executable, not in libc. */
	ck_assert(dladdr((void *)k_memcpy, &ours) != 0);
	ck_assert(dladdr((void *)rng, &mine) != 0);
	ck_assert_ptr_eq(ours.dli_fbase, mine.dli_fbase);
	ck_assert(dladdr((void *)k_strlen, &ours) != 0);
	ck_assert_ptr_eq(ours.dli_fbase, mine.dli_fbase);
}
END_TEST

START_TEST(test_memcpy_alignments)
{
	for (size_t so = 0; so < 16; so++)
	for (size_t doff = 0; doff < 16; doff++)
	for (size_t n = 0; n < 160; n += n < 40 ? 1 : 7) {
		randomise(src, n + 32);
		fill(dst, GUARD, n + 64);
		fill(want, GUARD, n + 64);
		for (size_t i = 0; i < n; i++)
			want[16 + doff + i] = src[so + i];
		if (k_memcpy(dst + 16 + doff, src + so, n) != dst + 16 + doff)
			ck_abort_msg("memcpy return value");
		if (!same(dst, want, n + 64))
			ck_abort_msg("memcpy src+%zu dst+%zu n %zu", so, doff, n);
	}
}
END_TEST

START_TEST(test_memcpy_large)
{
	for (size_t off = 0; off < 9; off++) {
		size_t n = AREA - 16 - (size_t)(rng() % 64);

		randomise(src, AREA);
		fill(dst, GUARD, AREA);
		k_memcpy(dst + off, src + (8 - off), n);
		if (!same(dst + off, src + (8 - off), n))
			ck_abort_msg("large memcpy, offset %zu", off);
		for (size_t i = off + n; i < AREA; i++)
			if (dst[i] != GUARD)
				ck_abort_msg("large memcpy wrote past the end");
	}
}
END_TEST

/*
 * memmove within one buffer, source and destination up to 40 bytes apart
 * either way (overlapping both ways), over alignments and sizes.
 */
START_TEST(test_memmove_overlap)
{
	unsigned char *buf = dst, *ref = want;

	for (int shift = -40; shift <= 40; shift++)
	for (size_t so = 64; so < 80; so++)
	for (size_t n = 0; n < 140; n += n < 24 ? 1 : 5) {
		size_t d = (size_t)((long)so + shift);

		randomise(buf, 300);
		for (size_t i = 0; i < 300; i++)
			ref[i] = buf[i];
		/* The reference: go through a separate copy. */
		for (size_t i = 0; i < n; i++)
			src[i] = buf[so + i];
		for (size_t i = 0; i < n; i++)
			ref[d + i] = src[i];
		if (k_memmove(buf + d, buf + so, n) != buf + d)
			ck_abort_msg("memmove return value");
		if (!same(buf, ref, 300))
			ck_abort_msg("memmove from %zu to %zu, n %zu", so, d, n);
	}
}
END_TEST

START_TEST(test_memmove_disjoint)
{
	randomise(src, 1000);
	fill(dst, GUARD, 1100);
	k_memmove(dst + 3, src + 5, 1000 - 5);
	ck_assert(same(dst + 3, src + 5, 1000 - 5));
	ck_assert_uint_eq(dst[2], GUARD);
	ck_assert_uint_eq(dst[3 + 995], GUARD);
	/* Moving onto itself is a no-op. */
	k_memmove(dst + 3, dst + 3, 995);
	ck_assert(same(dst + 3, src + 5, 1000 - 5));
}
END_TEST

START_TEST(test_memset)
{
	static const int values[] = { 0, 1, 0x7f, 0x80, 0xff, 0x1234, -1, -2 };

	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
	for (size_t off = 0; off < 16; off++)
	for (size_t n = 0; n < 200; n += n < 40 ? 1 : 11) {
		fill(dst, GUARD, n + 48);
		fill(want, GUARD, n + 48);
		fill(want + 16 + off, (unsigned char)values[v], n);
		if (k_memset(dst + 16 + off, values[v], n) != dst + 16 + off)
			ck_abort_msg("memset return value");
		if (!same(dst, want, n + 48))
			ck_abort_msg("memset value %d off %zu n %zu", values[v],
			    off, n);
	}
}
END_TEST

START_TEST(test_memcmp)
{
	unsigned char a[128] = { 0 }, b[128] = { 0 };

	ck_assert_int_eq(k_memcmp(a, b, 0), 0);
	for (size_t ao = 0; ao < 9; ao++)
	for (size_t bo = 0; bo < 9; bo++)
	for (size_t n = 1; n < 100; n += 3) {
		randomise(a + ao, n);
		for (size_t i = 0; i < n; i++)
			b[bo + i] = a[ao + i];
		if (k_memcmp(a + ao, b + bo, n) != 0)
			ck_abort_msg("memcmp of equal bytes");
		/* A difference at each position; bytes compare unsigned. */
		for (size_t pos = 0; pos < n; pos++) {
			unsigned char saved = b[bo + pos];
			int r;

			a[ao + pos] = 0x10;
			b[bo + pos] = 0x90;
			r = k_memcmp(a + ao, b + bo, n);
			if (r >= 0)
				ck_abort_msg("memcmp sign, pos %zu n %zu", pos, n);
			if (k_memcmp(b + bo, a + ao, n) <= 0)
				ck_abort_msg("memcmp reverse, pos %zu n %zu", pos,
				    n);
			a[ao + pos] = saved;
			b[bo + pos] = saved;
		}
	}
	/* Only the first difference counts, even within one word. */
	for (size_t i = 0; i < 16; i++) {
		a[i] = (unsigned char)i;
		b[i] = (unsigned char)i;
	}
	a[3] = 1;
	b[3] = 2;
	a[5] = 9;
	b[5] = 0;
	ck_assert_int_lt(k_memcmp(a, b, 16), 0);
}
END_TEST

START_TEST(test_memchr)
{
	const char *s = "abc\0def\xff";

	ck_assert_ptr_eq(k_memchr(s, 'a', 8), s);
	ck_assert_ptr_eq(k_memchr(s, 'd', 8), s + 4);
	ck_assert_ptr_eq(k_memchr(s, '\0', 8), s + 3);
	ck_assert_ptr_eq(k_memchr(s, 0xff, 8), s + 7);
	ck_assert_ptr_eq(k_memchr(s, -1, 8), s + 7);	/* as unsigned char */
	ck_assert_ptr_eq(k_memchr(s, 0x161, 8), s);	/* 0x161 -> 'a' */
	ck_assert_ptr_null(k_memchr(s, 'd', 4));
	ck_assert_ptr_null(k_memchr(s, 'a', 0));
}
END_TEST

START_TEST(test_strlen_strnlen)
{
	char buf[80];

	for (size_t len = 0; len < 64; len++) {
		for (size_t off = 0; off < 8; off++) {
			fill((unsigned char *)buf, 'x', sizeof(buf));
			buf[off + len] = '\0';
			if (k_strlen(buf + off) != len)
				ck_abort_msg("strlen %zu off %zu", len, off);
			if (k_strnlen(buf + off, len + 5) != len ||
			    k_strnlen(buf + off, len) != len)
				ck_abort_msg("strnlen %zu off %zu", len, off);
			if (len > 0 && k_strnlen(buf + off, len - 1) != len - 1)
				ck_abort_msg("strnlen bound %zu", len);
		}
	}
	ck_assert_uint_eq(k_strnlen("abc", 0), 0);
}
END_TEST

START_TEST(test_strnlen_reads_no_further)
{
	/* An unterminated heap buffer: ASan would catch a read past it. */
	char *p = malloc(5);

	for (int i = 0; i < 5; i++)
		p[i] = 'z';
	ck_assert_uint_eq(k_strnlen(p, 5), 5);
	ck_assert_uint_eq(k_strnlen(p, 3), 3);
	free(p);
}
END_TEST

START_TEST(test_strcmp_strncmp)
{
	ck_assert_int_eq(k_strcmp("", ""), 0);
	ck_assert_int_eq(k_strcmp("abc", "abc"), 0);
	ck_assert_int_lt(k_strcmp("abc", "abd"), 0);
	ck_assert_int_gt(k_strcmp("abd", "abc"), 0);
	ck_assert_int_lt(k_strcmp("ab", "abc"), 0);
	ck_assert_int_gt(k_strcmp("abc", "ab"), 0);
	ck_assert_int_gt(k_strcmp("\xff", "a"), 0);	/* unsigned chars */
	ck_assert_int_lt(k_strcmp("a", "\x80"), 0);
	ck_assert_int_eq(k_strncmp("abcX", "abcY", 3), 0);
	ck_assert_int_lt(k_strncmp("abcX", "abcY", 4), 0);
	ck_assert_int_eq(k_strncmp("abc", "abc", 100), 0);
	ck_assert_int_eq(k_strncmp("abc", "abd", 0), 0);
	ck_assert_int_lt(k_strncmp("ab", "abc", 5), 0);
	ck_assert_int_gt(k_strncmp("\xfe", "\x01", 1), 0);
	/* Bytes after a common terminator are not compared. */
	ck_assert_int_eq(k_strncmp("ab\0x", "ab\0y", 4), 0);
}
END_TEST

START_TEST(test_strchr_strrchr)
{
	const char *s = "/usr/lib/x86_64";
	const char *hi = "a\xe9z";

	ck_assert_ptr_eq(k_strchr(s, '/'), s);
	ck_assert_ptr_eq(k_strchr(s, 'l'), s + 5);
	ck_assert_ptr_null(k_strchr(s, 'q'));
	ck_assert_ptr_eq(k_strchr(s, '\0'), s + 15);
	ck_assert_ptr_eq(k_strrchr(s, '/'), s + 8);
	ck_assert_ptr_eq(k_strrchr(s, 'u'), s + 1);
	ck_assert_ptr_null(k_strrchr(s, 'q'));
	ck_assert_ptr_eq(k_strrchr(s, '\0'), s + 15);
	/* c is converted to char, so 0xe9 finds a byte 0xe9. */
	ck_assert_ptr_eq(k_strchr(hi, 0xe9), hi + 1);
	ck_assert_ptr_eq(k_strrchr(hi, 0xe9), hi + 1);
	ck_assert_ptr_null(k_strrchr("", 'a'));
}
END_TEST

START_TEST(test_strlcpy)
{
	char buf[8];

	fill((unsigned char *)buf, 'x', sizeof(buf));
	ck_assert_uint_eq(k_strlcpy(buf, "hello", sizeof(buf)), 5);
	ck_assert_int_eq(k_strcmp(buf, "hello"), 0);
	ck_assert_uint_eq(k_strlcpy(buf, "0123456789", sizeof(buf)), 10);
	ck_assert_int_eq(k_strcmp(buf, "0123456"), 0);
	ck_assert_uint_eq(k_strlcpy(buf, "exactly", 8), 7);
	ck_assert_int_eq(k_strcmp(buf, "exactly"), 0);
	ck_assert_uint_eq(k_strlcpy(buf, "abc", 1), 3);
	ck_assert_int_eq(buf[0], '\0');
	buf[0] = 'q';
	ck_assert_uint_eq(k_strlcpy(buf, "abc", 0), 3);
	ck_assert_int_eq(buf[0], 'q');	/* size 0: untouched */
	ck_assert_uint_eq(k_strlcpy(buf, "", sizeof(buf)), 0);
	ck_assert_int_eq(buf[0], '\0');
}
END_TEST

START_TEST(test_strlcat)
{
	char buf[10];

	k_strlcpy(buf, "ab", sizeof(buf));
	ck_assert_uint_eq(k_strlcat(buf, "cd", sizeof(buf)), 4);
	ck_assert_int_eq(k_strcmp(buf, "abcd"), 0);
	ck_assert_uint_eq(k_strlcat(buf, "efghijk", sizeof(buf)), 11);
	ck_assert_int_eq(k_strcmp(buf, "abcdefghi"), 0);
	ck_assert_uint_eq(k_strlcat(buf, "z", sizeof(buf)), 10);
	ck_assert_int_eq(k_strcmp(buf, "abcdefghi"), 0);
	/* Destination not terminated within size: size + strlen(src). */
	fill((unsigned char *)buf, 'x', sizeof(buf));
	ck_assert_uint_eq(k_strlcat(buf, "abc", 4), 7);
	ck_assert_int_eq(buf[3], 'x');
	ck_assert_uint_eq(k_strlcat(buf, "abc", 0), 3);
}
END_TEST

#ifdef __SANITIZE_ADDRESS__
/*
 * Our memcpy reads a heap buffer past its end: AddressSanitizer must still
 * report it (and exit with status 1) now that libc's memcpy, which ASan
 * intercepts, is out of the picture.
 */
START_TEST(test_asan_catches_overread)
{
	char *small = malloc(24);
	static char big[64];
	int devnull = open("/dev/null", O_WRONLY);

	/* Keep the expected report out of the test log. */
	if (devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	k_memset(small, 1, 24);
	k_memcpy(big, small, 40);
	free(small);
}
END_TEST
#endif

static Suite *
string_suite(void)
{
	Suite *s = suite_create("string");
	TCase *tc = tcase_create("memory");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ours_not_libc);
	tcase_add_test(tc, test_memcpy_alignments);
	tcase_add_test(tc, test_memcpy_large);
	tcase_add_test(tc, test_memmove_overlap);
	tcase_add_test(tc, test_memmove_disjoint);
	tcase_add_test(tc, test_memset);
	tcase_add_test(tc, test_memcmp);
	tcase_add_test(tc, test_memchr);
#ifdef __SANITIZE_ADDRESS__
	tcase_add_exit_test(tc, test_asan_catches_overread, 1);
#endif
	suite_add_tcase(s, tc);
	tc = tcase_create("strings");
	tcase_add_test(tc, test_strlen_strnlen);
	tcase_add_test(tc, test_strnlen_reads_no_further);
	tcase_add_test(tc, test_strcmp_strncmp);
	tcase_add_test(tc, test_strchr_strrchr);
	tcase_add_test(tc, test_strlcpy);
	tcase_add_test(tc, test_strlcat);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(string_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
