/*
 * Memory and string functions.
 *
 * The bulk operations (memcpy, memmove, memset, memcmp) move a machine
 * word at a time when that is simple and safe: when the two buffers share
 * their alignment modulo the word size, a short byte prologue aligns both,
 * whole aligned words follow, and a byte epilogue finishes.  Buffers with
 * different alignments are handled a byte at a time; shifting and merging
 * words would be faster but is easy to get wrong and rarely pays in a
 * kernel whose big copies (pages, blocks) are aligned anyway.
 *
 * The string functions (strlen and friends) run a byte at a time on
 * purpose.  The classic word-at-a-time strlen reads past the terminator up
 * to the end of the aligned word; that never faults on real hardware, but
 * it is an out-of-bounds read to AddressSanitizer, and the hosted bake runs
 * everything under the sanitizers.
 *
 * Two traps are avoided here.  First, the optimiser likes to recognise a
 * byte-copy loop and replace it with a call to memcpy, which inside memcpy
 * is infinite recursion; core/ is compiled with
 * -fno-tree-loop-distribute-patterns for this reason.  Second, word
 * accesses go through a may_alias type, so they are well defined whatever
 * the type of the caller's objects.  The x86_64 bake forbids SSE, so these
 * loops use general registers only.
 */
#include "lib/string.h"

typedef unsigned long __attribute__((__may_alias__)) word_t;

#define WORD_SIZE	sizeof(word_t)
#define WORD_MASK	(WORD_SIZE - 1)
/* Below this many bytes the alignment prologue costs more than words save. */
#define WORD_MIN_LEN	(2 * WORD_SIZE)

/* True when a and b have the same offset inside a word. */
static inline bool
coaligned(const void *a, const void *b)
{
	return (((uintptr_t)a ^ (uintptr_t)b) & WORD_MASK) == 0;
}

/* True when p is at the start of a word. */
static inline bool
word_aligned(const void *p)
{
	return ((uintptr_t)p & WORD_MASK) == 0;
}

/*
 * Copy n bytes from s to d in ascending address order.  Safe when the
 * buffers overlap with d below s: every word is read before it is written
 * and later reads lie above every earlier write.
 */
static void
copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= WORD_MIN_LEN && coaligned(d, s)) {
		for (; !word_aligned(d); n--)
			*d++ = *s++;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			*(word_t *)d = *(const word_t *)s;
			d += WORD_SIZE;
			s += WORD_SIZE;
		}
	}
	for (; n > 0; n--)
		*d++ = *s++;
}

/*
 * Copy n bytes from s to d in descending address order, for overlapping
 * buffers with d above s.
 */
static void
copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if (n >= WORD_MIN_LEN && coaligned(d, s)) {
		for (; !word_aligned(d); n--)
			*--d = *--s;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	for (; n > 0; n--)
		*--d = *--s;
}

/* Copy n bytes between buffers that must not overlap. */
void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

/* Copy n bytes between buffers that may overlap. */
void *
memmove(void *dst, const void *src, size_t n)
{
	/*
	 * Unsigned wrap-around folds both safe cases for a forward copy
	 * (dst below src, or dst at or beyond src + n) into one test.
	 */
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		copy_forward(dst, src, n);
	else
		copy_backward(dst, src, n);
	return dst;
}

/* Fill n bytes at dst with the byte value c. */
void *
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;

	if (n >= WORD_MIN_LEN) {
		/* All-ones divided by 0xff is 0x0101...01: b in every byte. */
		word_t w = (word_t)-1 / 0xff * b;

		for (; !word_aligned(d); n--)
			*d++ = b;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			*(word_t *)d = w;
			d += WORD_SIZE;
		}
	}
	for (; n > 0; n--)
		*d++ = b;
	return dst;
}

/*
 * Compare n bytes as unsigned chars; the sign of the result is that of the
 * first differing byte pair.
 */
int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	if (n >= WORD_MIN_LEN && coaligned(p, q)) {
		for (; !word_aligned(p); n--, p++, q++)
			if (*p != *q)
				return *p - *q;
		/* Skip equal words; the byte loop locates a difference. */
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			if (*(const word_t *)p != *(const word_t *)q)
				break;
			p += WORD_SIZE;
			q += WORD_SIZE;
		}
	}
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* The first byte equal to (unsigned char)c among the first n, or NULL. */
void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	unsigned char b = (unsigned char)c;

	for (; n > 0; n--, p++)
		if (*p == b)
			return (void *)p;
	return NULL;
}

/* Length of s, not counting the terminating NUL. */
size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return p - s;
}

/* Length of s, but reading at most max bytes. */
size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* Compare two strings as sequences of unsigned chars. */
int
strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	return *p - *q;
}

/* Compare at most n characters of two strings. */
int
strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
		if (*p == '\0')
			break;
	}
	return 0;
}

/*
 * The first occurrence of (char)c in s, or NULL.  The terminator counts as
 * part of the string, so strchr(s, '\0') points at it.
 */
char *
strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

/* The last occurrence of (char)c in s (the terminator included), or NULL. */
char *
strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

/*
 * Copy src into dst of size bytes, truncating and always terminating when
 * size > 0.  Returns strlen(src).
 */
size_t
strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/*
 * Append src to the string in dst of size bytes, truncating and always
 * terminating if dst was terminated within size.  Returns the length of
 * the string it tried to create: strnlen(dst, size) + strlen(src).
 */
size_t
strlcat(char *restrict dst, const char *restrict src, size_t size)
{
	size_t dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

/*
 * The hosted bake's linker meets the host's memcpy (in libasan or libc)
 * before it scans the core's archive, so nothing would pull this file in
 * and the host's versions would silently serve instead of ours.  The core's
 * CMakeLists asks for this symbol (--undefined), which links the file into
 * every hosted program, and its definitions then take precedence over the
 * shared libraries': the bakes run the same string code.
 */
const char core_string_anchor[] = "core/lib/string.c";
