/*
 * Debug checks that cost time on hot paths (reservation overrun reports,
 * the heap's double-free nets).  A compile-time constant tested with
 * `if (KDEBUG)`, so a disabled check compiles away but is still
 * type-checked.  On by default in both bakes; -DKDEBUG=0 turns it off.
 */
#ifndef KERN_DEBUG_H
#define KERN_DEBUG_H

#ifndef KDEBUG
#define KDEBUG	1
#endif

#endif
