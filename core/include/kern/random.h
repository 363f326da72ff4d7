/*
 * The kernel's random bytes: a ChaCha20 keystream (kern/random.c), for
 * getrandom(2) and, later, /dev/urandom and /dev/random.
 */
#ifndef KERN_RANDOM_H
#define KERN_RANDOM_H

#include "kern/types.h"

/* Fill buf with n bytes of the generator's output. */
void random_bytes(void *buf, size_t n);

#endif
