/*
 * The fuzzer's vocabulary: every row of core/sys/syscalls.def, through
 * the same X-macro the dispatcher's table is built with, so a syscall
 * added to the kernel is fuzzed without touching this directory.  Each
 * call is paired by name with its row of args.def when it has one.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static const struct fuzz_args arg_rows[] = {
#define ARGS(name, flags, ...)	{ #name, flags, { __VA_ARGS__ } },
#include "args.def"
#undef ARGS
};

/* Not const: the args pointers are filled in by fuzz_vocab_init(). */
static struct fuzz_call calls[] = {
#define SYSCALL(nr, name, handler, bound)	{ nr, #name, bound, NULL },
#include "../../core/sys/syscalls.def"
#undef SYSCALL
};

const int fuzz_ncalls = (int)(sizeof(calls) / sizeof(calls[0]));

/* The numbers' reverse map; syscall numbers stay below 512 (syscall.c). */
static short by_nr[512];

/* Pair each call with its args.def row.  Once, before any input runs. */
void
fuzz_vocab_init(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(by_nr) / sizeof(by_nr[0]); i++)
		by_nr[i] = -1;
	for (i = 0; i < (size_t)fuzz_ncalls; i++) {
		if (calls[i].nr < 512)
			by_nr[calls[i].nr] = (short)i;
		for (j = 0; j < sizeof(arg_rows) / sizeof(arg_rows[0]); j++)
			if (strcmp(arg_rows[j].name, calls[i].name) == 0)
				calls[i].args = &arg_rows[j];
	}
}

/*
 * A record's call: its number when the table has it, else the vocabulary
 * entry at that index (mod the vocabulary's size), so every value means
 * some call and seeds can name calls by number.
 */
const struct fuzz_call *
fuzz_call_of(unsigned v)
{
	if (v < 512 && by_nr[v] >= 0)
		return &calls[by_nr[v]];
	return &calls[v % (unsigned)fuzz_ncalls];
}

/* The i-th call of the vocabulary, 0 <= i < fuzz_ncalls. */
const struct fuzz_call *
fuzz_call_at(int i)
{
	return &calls[i];
}

const struct fuzz_call *
fuzz_call_named(const char *name)
{
	int i;

	for (i = 0; i < fuzz_ncalls; i++)
		if (strcmp(calls[i].name, name) == 0)
			return &calls[i];
	return NULL;
}

/* Argument i's kind; a call with no args.def row takes raw words. */
enum fuzz_kind
fuzz_arg_kind(const struct fuzz_call *c, int i)
{
	return c->args != NULL ? (enum fuzz_kind)c->args->kind[i] : K_RAW;
}

/*
 * Print the calls with no args.def row (a warning: they are fuzzed with
 * raw words) and count the rows that name no call (an error).
 */
int
fuzz_vocab_missing(void)
{
	size_t j;
	int i, n = 0;

	for (i = 0; i < fuzz_ncalls; i++)
		if (calls[i].args == NULL)
			printf("warning: %s (%u) has no row in "
			    "tests/fuzz/args.def: raw arguments only\n",
			    calls[i].name, calls[i].nr);
	for (j = 0; j < sizeof(arg_rows) / sizeof(arg_rows[0]); j++) {
		if (fuzz_call_named(arg_rows[j].name) == NULL) {
			printf("%s: args.def row for a call the table lacks\n",
			    arg_rows[j].name);
			n++;
		}
	}
	return n;
}
