/*
 * The kernel command line: what the loader (or the host's command line)
 * passed as boot_cmdline(), split into words.
 *
 * Words are separated by blanks.  A word is "key=value" (split at its
 * first '=') or a bare "key".  Double quotes group blanks into a word and
 * are dropped: init="/bin/sh -x" has the value /bin/sh -x.  When a key
 * appears more than once, the last one wins, as on Linux.
 */
#ifndef KERN_CMDLINE_H
#define KERN_CMDLINE_H

#include "kern/types.h"

/*
 * The value of key: "v" for key=v, "" for a bare key (or "key="), NULL
 * when key is absent.  The string lives for good.
 */
const char *cmdline_get(const char *key);

/*
 * True when one of the words is exactly word: cmdline_has("quiet") wants
 * a bare quiet, cmdline_has("panic=poweroff") that key with that value.
 */
bool cmdline_has(const char *word);

#endif
