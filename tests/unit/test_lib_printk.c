/*
 * Unit tests for the formatting engine (core/lib/format.c): ksnprintf and
 * kvsnprintf are compared with the host libc's snprintf over generated
 * tables of conversions, flags, widths, precisions, length modifiers and
 * values, at full and truncating buffer sizes.  printk and panic write to
 * the platform's console and are tested with the hosted platform.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/printk.h"

#define BUF_SIZE	512
#define SENTINEL	0x7e

/*
 * Format with both implementations into buffers of the given size
 * (surrounded by sentinel bytes) and require identical results: the same
 * return value, the same stored bytes, nothing written past size.  Plain
 * tests guard ck_abort_msg() because every ck_assert() call reports its
 * location to the Check parent process, which is slow in these loops.
 */
static void
compare_sized(size_t size, const char *fmt, va_list ap)
{
	char want[BUF_SIZE + 8], got[BUF_SIZE + 8];
	int nwant, ngot;
	va_list ap2;

	memset(want, SENTINEL, sizeof(want));
	memset(got, SENTINEL, sizeof(got));
	va_copy(ap2, ap);
	nwant = vsnprintf(size ? want : NULL, size, fmt, ap);
	ngot = kvsnprintf(size ? got : NULL, size, fmt, ap2);
	va_end(ap2);
	if (ngot != nwant)
		ck_abort_msg("fmt \"%s\" size %zu: returned %d, libc %d",
		    fmt, size, ngot, nwant);
	if (memcmp(want, got, sizeof(got)) != 0)
		ck_abort_msg("fmt \"%s\" size %zu: \"%.*s\" but libc \"%.*s\"",
		    fmt, size, (int)strnlen(got, size), got,
		    (int)strnlen(want, size), want);
}

/* compare_sized() at full size, then at sizes that cut the output. */
static void
compare(const char *fmt, ...)
{
	size_t sizes[5];
	int full;
	va_list ap;

	va_start(ap, fmt);
	full = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (full >= BUF_SIZE)
		ck_abort_msg("fmt \"%s\": output too long for the test", fmt);
	sizes[0] = BUF_SIZE;
	sizes[1] = 0;
	sizes[2] = 1;
	sizes[3] = (size_t)full / 2 + 1;
	sizes[4] = (size_t)full;	/* one too small for the NUL */
	for (size_t i = 0; i < 5; i++) {
		va_start(ap, fmt);
		compare_sized(sizes[i], fmt, ap);
		va_end(ap);
	}
}

static const int64_t values[] = {
	0, 1, -1, 7, 8, 9, 10, -10, 42, -42, 127, 128, -128, -129, 255, 256,
	32767, 32768, -32768, 65535, 65536, 99999, 123456789, -987654321,
	INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX, (int64_t)UINT32_MAX + 1,
	0x123456789abcdefLL, -0x123456789abcdefLL, INT64_MAX, INT64_MIN,
	INT64_MIN + 1,
};

static const char *const flag_sets[] = {
	"", "-", "0", " ", "+", "#", "-0", "+ ", "-+", "0+", " 0", "#0",
	"#-", "-#0 +", "00", "--",
};
static const char *const widths[] = { "", "0", "1", "2", "5", "21", "30" };
static const char *const precisions[] = { "", ".", ".0", ".1", ".3", ".21",
	".25" };

/* Whether flags are defined for conversion c ('#' is only for x X o). */
static bool
flags_defined(const char *flags, char c)
{
	return strchr(flags, '#') == NULL || strchr("xXo", c) != NULL;
}

/*
 * Every integer conversion under every flag set, width, precision and
 * value, with lengths int (promoted, for "" hh h) and 64-bit (l ll z t j).
 */
static void
compare_integers(const char *convs, const char *const *lengths, bool wide)
{
	char fmt[64];

	for (const char *c = convs; *c != '\0'; c++)
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++)
	for (const char *const *l = lengths; *l != NULL; l++) {
		if (!flags_defined(flag_sets[f], *c))
			continue;
		snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flag_sets[f],
		    widths[w], precisions[p], *l, *c);
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			if (wide)
				compare(fmt, values[v]);
			else
				compare(fmt, (int)values[v]);
		}
	}
}

START_TEST(test_int_conversions)
{
	static const char *const narrow[] = { "", "hh", "h", NULL };

	compare_integers("di", narrow, false);
}
END_TEST

START_TEST(test_uint_conversions)
{
	static const char *const narrow[] = { "", "hh", "h", NULL };

	compare_integers("uxXo", narrow, false);
}
END_TEST

START_TEST(test_wide_int_conversions)
{
	static const char *const wide[] = { "l", "ll", "z", "t", "j", NULL };

	compare_integers("di", wide, true);
}
END_TEST

START_TEST(test_wide_uint_conversions)
{
	static const char *const wide[] = { "l", "ll", "z", "t", "j", NULL };

	compare_integers("uxXo", wide, true);
}
END_TEST

START_TEST(test_extremes)
{
	compare("%d %d", INT32_MIN, INT32_MAX);
	compare("%ld %ld", (long)INT64_MIN, (long)INT64_MAX);
	compare("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	compare("%jd %ju %jx", (intmax_t)INT64_MIN, (uintmax_t)UINT64_MAX,
	    (uintmax_t)UINT64_MAX);
	compare("%zu %zd %zx", (size_t)SIZE_MAX, (ssize_t)-1, (size_t)SIZE_MAX);
	compare("%td %tx", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)-1);
	compare("%#lo %#lx %#lX", (unsigned long)UINT64_MAX,
	    (unsigned long)UINT64_MAX, (unsigned long)UINT64_MAX);
	compare("%hhd %hhu %hd %hu", -1, 255, -1, 65535);
	compare("%+hhd %hhx %+hd %hx", 200, 0x1ff, 40000, 0x1ffff);
}
END_TEST

START_TEST(test_star)
{
	static const int stars[] = { -30, -5, -1, 0, 1, 3, 7, 25 };

	for (size_t i = 0; i < sizeof(stars) / sizeof(stars[0]); i++) {
		for (size_t j = 0; j < sizeof(stars) / sizeof(stars[0]); j++) {
			compare("[%*.*d]", stars[i], stars[j], -1234);
			compare("[%-*.*x]", stars[i], stars[j], 0xbeefu);
			compare("[%0*.*u]", stars[i], stars[j], 56u);
			compare("[%*.*s]", stars[i], stars[j], "hello, world");
			compare("[%-*.*s]", stars[i], stars[j], "hi");
			compare("[%0*d]", stars[i], -77);
			compare("[%.*d]", stars[j], 0);
			compare("[%*c]", stars[i], 'q');
		}
	}
}
END_TEST

START_TEST(test_strings)
{
	static const char *const strs[] = { "", "a", "hello", "tab\there",
		"a longer string of some thirty-odd bytes" };
	char fmt[32];

	for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++) {
		snprintf(fmt, sizeof(fmt), "{%%%s%ss}", widths[w], precisions[p]);
		compare(fmt, strs[s]);
		snprintf(fmt, sizeof(fmt), "{%%-%s%ss}", widths[w], precisions[p]);
		compare(fmt, strs[s]);
	}
	compare("%s%s%s", "", "abc", "");
	compare("%.3s|%.10s", "abcdef", "abc");
}
END_TEST

START_TEST(test_string_precision_bounds_reads)
{
	/* Not NUL-terminated: the precision must stop the read. */
	char *heap = malloc(4);
	char buf[16];

	memcpy(heap, "wxyz", 4);
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%.4s!", heap), 5);
	ck_assert_str_eq(buf, "wxyz!");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%.*s", 2, heap), 2);
	ck_assert_str_eq(buf, "wx");
	free(heap);
}
END_TEST

START_TEST(test_null_string)
{
	const char *volatile nul = NULL;
	char buf[32];

	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%s", nul), 6);
	ck_assert_str_eq(buf, "(null)");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "[%8s]", nul), 10);
	ck_assert_str_eq(buf, "[  (null)]");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "[%-7s]", nul), 9);
	ck_assert_str_eq(buf, "[(null) ]");
	/* Cut by the precision like any other string. */
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "[%.3s]", nul), 5);
	ck_assert_str_eq(buf, "[(nu]");
	compare("%s|%10s|%-10s", nul, nul, nul);
}
END_TEST

START_TEST(test_chars)
{
	char buf[8];

	compare("%c%c%c", 'a', 'B', '~');
	compare("[%5c][%-5c][%1c]", 'x', 'y', 'z');
	compare("%c", 0x141);	/* converted to unsigned char */
	/* A NUL character is output and counted like any other. */
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "a%cb", 0), 3);
	ck_assert_int_eq(buf[0], 'a');
	ck_assert_int_eq(buf[1], '\0');
	ck_assert_int_eq(buf[2], 'b');
	ck_assert_int_eq(buf[3], '\0');
}
END_TEST

START_TEST(test_pointers)
{
	static int object;
	void *ptrs[] = { NULL, (void *)1, (void *)0xdeadbeef, &object,
		(void *)UINTPTR_MAX };
	const char *fmts[] = { "%p", "[%20p]", "[%-20p]", "[%3p]", "[%020p]",
		"[%.12p]", "[%+p]", "[% p]" };
	char buf[64];

	for (size_t p = 0; p < sizeof(ptrs) / sizeof(ptrs[0]); p++)
		for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
			compare(fmts[f], ptrs[p]);
	ksnprintf(buf, sizeof(buf), "%p", (void *)0xffff800000001000);
	ck_assert_str_eq(buf, "0xffff800000001000");
	ksnprintf(buf, sizeof(buf), "%p", (void *)NULL);
	ck_assert_str_eq(buf, "(nil)");
}
END_TEST

START_TEST(test_percent_and_plain)
{
	compare("100%%");
	compare("%%d%%%d%%", 5);
	compare("");
	compare("no conversions at all, just a fairly long line of text");
	compare("%d%s%c%x%%%u%o", -1, "mid", 'c', 0xabcu, 7u, 8u);
}
END_TEST

/* Forward to kvsnprintf, as vprintk does. */
static int
via_va_list(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(test_va_list_entry)
{
	char buf[64];

	ck_assert_int_eq(via_va_list(buf, sizeof(buf), "%s=%d/%lx", "k", -3,
	    0xfeedUL), 9);
	ck_assert_str_eq(buf, "k=-3/feed");
}
END_TEST

START_TEST(test_truncation)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(ksnprintf(buf, 0, "%d", 12345), 5);
	ck_assert_int_eq(buf[0], 'x');	/* size 0 stores nothing */
	ck_assert_int_eq(ksnprintf(NULL, 0, "%s%d", "abc", 42), 5);
	ck_assert_int_eq(ksnprintf(buf, 1, "abc"), 3);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "0123456789"), 10);
	ck_assert_str_eq(buf, "0123456");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%20d", 1), 20);
	ck_assert_str_eq(buf, "       ");
	ck_assert_int_eq(ksnprintf(buf, 4, "%-10s|", "ab"), 11);
	ck_assert_str_eq(buf, "ab ");
}
END_TEST

START_TEST(test_unknown_conversion_copied)
{
	char buf[32];

	/*
	 * Formats the compiler would reject, hidden behind volatile
	 * pointers; the extra argument is never consumed.
	 */
	const char *volatile bad = "a%qb";
	const char *volatile lone = "end%";
	const char *volatile half = "x%-5";
	const char *volatile after = "%y%d";

	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), bad, 0), 4);
	ck_assert_str_eq(buf, "a%qb");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), lone, 0), 4);
	ck_assert_str_eq(buf, "end%");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), half, 0), 4);
	ck_assert_str_eq(buf, "x%-5");
	/* No argument is consumed by the unknown one. */
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), after, 9), 3);
	ck_assert_str_eq(buf, "%y9");
}
END_TEST

START_TEST(test_huge_width_counts)
{
	char buf[4];

	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%100000d", 7), 100000);
	ck_assert_str_eq(buf, "   ");
}
END_TEST

static Suite *
format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("against-libc");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_int_conversions);
	tcase_add_test(tc, test_uint_conversions);
	tcase_add_test(tc, test_wide_int_conversions);
	tcase_add_test(tc, test_wide_uint_conversions);
	tcase_add_test(tc, test_extremes);
	tcase_add_test(tc, test_star);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_null_string);
	tcase_add_test(tc, test_chars);
	tcase_add_test(tc, test_pointers);
	tcase_add_test(tc, test_percent_and_plain);
	suite_add_tcase(s, tc);

	tc = tcase_create("semantics");
	tcase_add_test(tc, test_string_precision_bounds_reads);
	tcase_add_test(tc, test_va_list_entry);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_unknown_conversion_copied);
	tcase_add_test(tc, test_huge_width_counts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(format_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
