/*
 * The kernel heap: power-of-two size-class slabs from 16 bytes to 2 KiB,
 * with a small per-CPU cache of free objects in front of each class so the
 * common allocation takes no shared lock; larger requests take whole page
 * blocks.  Inside a reservation (mm/reserve.h) every allocation is charged
 * and none returns NULL.  Outside one, NULL means memory is exhausted.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include "kern/types.h"

void kmalloc_init(void);

void *kmalloc(size_t size);
void *kzalloc(size_t size);	/* zeroed */
void kfree(void *p);		/* p may be NULL */

/* The size actually set aside for p (its class or page block). */
size_t kmalloc_size(const void *p);

/* Bytes currently allocated from the heap (live objects, class-rounded). */
size_t kmalloc_live_bytes(void);

#endif
