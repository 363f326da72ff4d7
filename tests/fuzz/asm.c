/*
 * The text form of an input, for hand-written seeds (tests/fuzz/seeds)
 * and for editing a crash while triaging it.  One record per line:
 *
 *	ACTOR NAME ARG...	# comment
 *
 * ACTOR is the record's actor byte (0 is the first actor; with several
 * live, byte % live picks one), NAME a syscall of the table.  Each ARG is
 *
 *	N	the value N raw (decimal, 0x hex, or negative)
 *	@N	the kind's generator with value N (selector 0)
 *	@N:S	the same with selector S
 *	"s"	a path of the path table (kinds.c)
 *	"s"/S	the same with selector S (0x10: the path plus a leaf)
 *
 * Missing arguments are @0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
seterr(char *err, size_t size, int line, const char *what, const char *tok)
{
	snprintf(err, size, "line %d: %s: %s", line, what, tok);
}

/* One ARG token into sel/val; false when it is malformed. */
static bool
parse_arg(const char *tok, uint8_t *sel, uint64_t *val)
{
	const char *q;
	char path[256];
	char *end;
	int i;

	if (tok[0] == '"') {
		q = strchr(tok + 1, '"');
		if (q == NULL || (size_t)(q - tok - 1) >= sizeof(path))
			return false;
		memcpy(path, tok + 1, (size_t)(q - tok - 1));
		path[q - tok - 1] = '\0';
		if ((i = fuzz_path_index(path)) < 0)
			return false;
		*val = (uint64_t)i;
		*sel = q[1] == '/' ? (uint8_t)strtoul(q + 2, NULL, 0) : 0;
		return true;
	}
	if (tok[0] == '@') {
		*val = strtoull(tok + 1, &end, 0);
		*sel = *end == ':' ? (uint8_t)strtoul(end + 1, &end, 0) : 0;
		return *end == '\0' && *sel < FUZZ_SEL_RAW;
	}
	*val = (uint64_t)strtoll(tok, &end, 0);
	if (*end != '\0')
		*val = strtoull(tok, &end, 0);
	*sel = 0xff;
	return *end == '\0';
}

/* Assemble text into records at out; *len gets the bytes written. */
int
fuzz_assemble(const char *text, uint8_t *out, size_t max, size_t *len,
    char *err, size_t errsize)
{
	char line[1024], *tok, *save, *hash;
	const struct fuzz_call *c;
	struct fuzz_rec r;
	const char *p = text, *nl;
	int lineno = 0, j;
	uint64_t val;
	uint8_t sel;

	*len = 0;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		snprintf(line, sizeof(line), "%.*s",
		    (int)(nl ? nl - p : (long)strlen(p)), p);
		p = nl ? nl + 1 : p + strlen(p);
		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((tok = strtok_r(line, " \t\r", &save)) == NULL)
			continue;
		memset(&r, 0, sizeof(r));
		r.actor = (uint8_t)strtoul(tok, NULL, 0);
		if ((tok = strtok_r(NULL, " \t\r", &save)) == NULL ||
		    (c = fuzz_call_named(tok)) == NULL) {
			seterr(err, errsize, lineno, "no such syscall",
			    tok ? tok : "");
			return -1;
		}
		r.nr = (uint16_t)c->nr;
		for (j = 0; (tok = strtok_r(NULL, " \t\r", &save)) != NULL;
		    j++) {
			if (j == FUZZ_NARGS || !parse_arg(tok, &sel, &val)) {
				seterr(err, errsize, lineno, "bad argument",
				    tok);
				return -1;
			}
			r.arg[j].sel = sel;
			r.arg[j].val = val;
		}
		if (*len + sizeof(r) > max) {
			seterr(err, errsize, lineno, "too many records", "");
			return -1;
		}
		memcpy(out + *len, &r, sizeof(r));
		*len += sizeof(r);
	}
	return 0;
}
