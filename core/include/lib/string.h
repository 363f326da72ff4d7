/*
 * Memory and string functions, under their standard C names and with the
 * standard signatures.  The names matter: compilers emit calls to memcpy,
 * memmove, memset and memcmp for structure copies and initialisers even in
 * freestanding code, so the kernel must define them.  In the hosted bake
 * these definitions are linked into the test executables and override the
 * host libc's for the whole process, so they are exercised by everything
 * (and instrumented by the sanitizers).
 *
 * strlcpy/strlcat are the BSD functions: they always NUL-terminate when
 * size > 0 and return the length they tried to create, so truncation is
 * detected with `if (strlcpy(d, s, n) >= n)`.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "kern/types.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t strlcat(char *restrict dst, const char *restrict src, size_t size);

#endif
