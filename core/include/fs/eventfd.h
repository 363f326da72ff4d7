/*
 * eventfd files (core/fs/eventfd.c), as edge-triggered epoll sees them.
 */
#ifndef FS_EVENTFD_H
#define FS_EVENTFD_H

#include "kern/types.h"

struct file;

/* True when f is an eventfd, with its count of changes in *events. */
bool eventfd_events(struct file *f, uint64_t *events);

#endif
