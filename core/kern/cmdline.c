/*
 * The kernel command line, parsed once.
 *
 * boot_cmdline() is a string the platform keeps for good; the first call
 * to cmdline_get() or cmdline_has() splits a private copy of it into
 * words (a key and an optional value each, NUL-terminated, quotes
 * removed) and every later call searches those.  Parsing on first use,
 * rather than at a fixed point in boot, lets early platform code (a
 * panic during boot asking for panic=poweroff) use it as well as the
 * core.
 *
 * The first caller parses; a caller that arrives meanwhile (another CPU)
 * spins until the words are published.  No lock, no allocation: it works
 * with interrupts off, before the heap exists and inside a panic.
 *
 * Limits: CMDLINE_MAX bytes of words and CMDLINE_WORDS words.  What does
 * not fit is dropped whole, with a warning on the console, so a cut never
 * produces a half word with a different meaning.
 */
#include "contract/boot.h"
#include "contract/cpu.h"
#include "kern/cmdline.h"
#include "kern/printk.h"
#include "lib/string.h"

#define CMDLINE_MAX	2048
#define CMDLINE_WORDS	128

enum { PARSE_NONE, PARSE_BUSY, PARSE_DONE };

struct cmdline_word {
	const char *key;
	const char *value;		/* NULL for a bare key */
};

static char text[CMDLINE_MAX];		/* the words, NUL-terminated */
static struct cmdline_word words[CMDLINE_WORDS];
static unsigned nwords;
static unsigned parse_state;		/* atomic: PARSE_* */

/* Blanks separate words. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Copy the word starting at *sp into text at *posp, splitting key from
 * value at the first '=' and dropping quotes; advance both.  Returns
 * false (leaving *posp alone) when it does not fit.
 */
static bool parse_word(const char **sp, size_t *posp, struct cmdline_word *w)
{
	const char *s = *sp;
	size_t pos = *posp;
	bool quoted = false, fits = true;

	w->key = &text[pos];
	w->value = NULL;
	for (; *s != '\0' && (quoted || !is_blank(*s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (pos + 1 >= sizeof(text)) {
			fits = false;
			continue;
		}
		if (*s == '=' && w->value == NULL) {
			text[pos++] = '\0';
			w->value = &text[pos];
		} else {
			text[pos++] = *s;
		}
	}
	*sp = s;
	if (!fits)
		return false;
	text[pos++] = '\0';
	*posp = pos;
	return true;
}

/* Split s into words; called once, by the first caller. */
static void parse(const char *s)
{
	size_t pos = 0;
	unsigned dropped = 0;

	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		if (nwords == CMDLINE_WORDS ||
		    !parse_word(&s, &pos, &words[nwords])) {
			dropped++;
			while (*s != '\0' && !is_blank(*s))
				s++;
			continue;
		}
		nwords++;
	}
	if (dropped > 0)
		printk("cmdline: %u words dropped: the command line is too "
		    "long\n", dropped);
}

/* Parse boot_cmdline() unless done; wait for a parse in progress. */
static void cmdline_ready(void)
{
	unsigned expect = PARSE_NONE;

	if (__atomic_load_n(&parse_state, __ATOMIC_ACQUIRE) == PARSE_DONE)
		return;
	if (__atomic_compare_exchange_n(&parse_state, &expect, PARSE_BUSY,
	    false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		parse(boot_cmdline());
		__atomic_store_n(&parse_state, PARSE_DONE, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&parse_state, __ATOMIC_ACQUIRE) != PARSE_DONE)
		cpu_relax();
}

/* The value of the last word with key key (cmdline.h). */
const char *cmdline_get(const char *key)
{
	unsigned i;

	cmdline_ready();
	for (i = nwords; i > 0; i--)
		if (strcmp(words[i - 1].key, key) == 0)
			return words[i - 1].value != NULL ?
			    words[i - 1].value : "";
	return NULL;
}

/* True when word w is exactly key=value (value NULL: a bare key). */
static bool word_is(const struct cmdline_word *w, const char *key,
    size_t keylen, const char *value)
{
	if (strncmp(w->key, key, keylen) != 0 || w->key[keylen] != '\0')
		return false;
	if (value == NULL || w->value == NULL)
		return value == NULL && w->value == NULL;
	return strcmp(w->value, value) == 0;
}

/* True when some word is exactly word (cmdline.h). */
bool cmdline_has(const char *word)
{
	const char *eq = strchr(word, '=');
	size_t keylen = eq != NULL ? (size_t)(eq - word) : strlen(word);
	unsigned i;

	cmdline_ready();
	for (i = 0; i < nwords; i++)
		if (word_is(&words[i], word, keylen,
		    eq != NULL ? eq + 1 : NULL))
			return true;
	return false;
}
