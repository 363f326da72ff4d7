/*
 * Basic types of the core.  Only the compiler's freestanding headers
 * (stdint, stddef, stdbool, stdarg) are used, so the same text compiles in
 * both bakes.
 */
#ifndef KERN_TYPES_H
#define KERN_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;	/* physical address */
typedef uint64_t uaddr_t;	/* user virtual address */
typedef int64_t ssize_t;

#define PAGE_SHIFT	12
#define PAGE_SIZE	((size_t)1 << PAGE_SHIFT)
#define PAGE_MASK	(PAGE_SIZE - 1)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a)	(((x) + (a) - 1) / (a) * (a))
#define ROUNDDOWN(x, a)	((x) / (a) * (a))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __noreturn	__attribute__((noreturn))
#define __printflike(f, a) __attribute__((format(printf, f, a)))

#endif
