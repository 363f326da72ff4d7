/*
 * kvsnprintf: the formatting engine behind printk, ksnprintf and panic.
 *
 * It implements the subset of C's printf documented in kern/printk.h with
 * C's semantics, so that what a kernel message looks like can be checked
 * against the host's snprintf in the unit tests:
 *
 *  - the result always fits: at most size - 1 characters are stored and,
 *    when size > 0, a NUL follows them; the return value is the length
 *    the whole output would have had (lengths past INT_MAX saturate);
 *  - for integers a precision is the minimum number of digits (and a zero
 *    value with precision 0 prints no digits), '0' pads with zeros only
 *    when no precision is given, '-' beats '0', '+' beats ' ', and '#'
 *    adds 0x/0X to non-zero hex and a leading 0 to octal;
 *  - a '*' width or precision takes an int argument; a negative width
 *    means '-' plus its magnitude, a negative precision means none.
 *
 * Where C leaves a choice to the implementation we follow glibc, so kernel
 * and host output look alike: %p prints like %#lx (flags, width and
 * precision included) and a NULL pointer as "(nil)"; %s of NULL prints
 * "(null)", cut by the precision like any string.  An unknown conversion
 * is copied to the output as written, without consuming an argument.
 *
 * There is no floating point: the x86_64 bake is compiled without SSE.
 */
#include "kern/printk.h"
#include "lib/string.h"

#define INT_MAX_VALUE	__INT_MAX__

/* Flags of a conversion specification. */
#define F_LEFT		0x01u	/* '-': pad on the right */
#define F_ZERO		0x02u	/* '0': pad numbers with zeros */
#define F_SPACE		0x04u	/* ' ': a space where a '+' would go */
#define F_PLUS		0x08u	/* '+': always print a sign */
#define F_ALT		0x10u	/* '#': 0x prefix, octal leading zero */

/* Length modifiers: the argument's type before conversion. */
enum arg_length {
	LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE,
	LEN_PTRDIFF, LEN_INTMAX
};

/* One parsed conversion specification, such as "%-08.3lx". */
struct conv_spec {
	unsigned flags;
	int width;		/* minimum field width; 0 when absent */
	int prec;		/* precision; -1 when absent */
	enum arg_length length;
	char conv;		/* the conversion character */
};

/*
 * The destination: size bytes at buf (size 0: count only).  len counts
 * every character produced, including those that did not fit.
 */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

/* Produce one character, storing it if it fits before the final NUL. */
static void
out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* Produce n copies of c (nothing when n <= 0). */
static void
out_repeat(struct out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

/* Produce n characters from s. */
static void
out_bytes(struct out *o, const char *s, size_t n)
{
	for (; n > 0; n--)
		out_char(o, *s++);
}

/* Parse a run of decimal digits at *fmtp, saturating at INT_MAX. */
static int
parse_decimal(const char **fmtp)
{
	const char *p = *fmtp;
	int v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		v = v > (INT_MAX_VALUE - d) / 10 ? INT_MAX_VALUE : v * 10 + d;
	}
	*fmtp = p;
	return v;
}

/* The flag bit that character c stands for, or 0. */
static unsigned
flag_of(char c)
{
	switch (c) {
	case '-':	return F_LEFT;
	case '0':	return F_ZERO;
	case ' ':	return F_SPACE;
	case '+':	return F_PLUS;
	case '#':	return F_ALT;
	default:	return 0;
	}
}

/* Parse the width: digits, or '*' taking an int (negative means '-'). */
static const char *
parse_width(const char *p, struct conv_spec *sp, va_list *ap)
{
	if (*p != '*') {
		sp->width = parse_decimal(&p);
		return p;
	}
	sp->width = va_arg(*ap, int);
	if (sp->width < 0) {
		sp->flags |= F_LEFT;
		sp->width = sp->width == -INT_MAX_VALUE - 1 ? INT_MAX_VALUE :
		    -sp->width;
	}
	return p + 1;
}

/* Parse an optional precision: '.' then digits or '*' (negative: none). */
static const char *
parse_precision(const char *p, struct conv_spec *sp, va_list *ap)
{
	sp->prec = -1;
	if (*p != '.')
		return p;
	p++;
	if (*p != '*') {
		sp->prec = parse_decimal(&p);
		return p;
	}
	sp->prec = va_arg(*ap, int);
	if (sp->prec < 0)
		sp->prec = -1;
	return p + 1;
}

/* Parse an optional length modifier: hh h l ll z t j. */
static const char *
parse_length(const char *p, struct conv_spec *sp)
{
	sp->length = LEN_INT;
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			sp->length = LEN_CHAR;
			return p + 2;
		}
		sp->length = LEN_SHORT;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			sp->length = LEN_LLONG;
			return p + 2;
		}
		sp->length = LEN_LONG;
		return p + 1;
	case 'z':	sp->length = LEN_SIZE;		return p + 1;
	case 't':	sp->length = LEN_PTRDIFF;	return p + 1;
	case 'j':	sp->length = LEN_INTMAX;	return p + 1;
	default:	return p;
	}
}

/*
 * Parse the specification after a '%' at p, consuming '*' arguments.
 * Returns the pointer just past the conversion character (or at the NUL
 * when the format ends early, with sp->conv = '\0').
 */
static const char *
parse_spec(const char *p, struct conv_spec *sp, va_list *ap)
{
	unsigned f;

	sp->flags = 0;
	while ((f = flag_of(*p)) != 0) {
		sp->flags |= f;
		p++;
	}
	p = parse_width(p, sp, ap);
	p = parse_precision(p, sp, ap);
	p = parse_length(p, sp);
	sp->conv = *p;
	return *p == '\0' ? p : p + 1;
}

/* Fetch a signed integer argument of the spec's length. */
static intmax_t
arg_signed(const struct conv_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_CHAR:		return (signed char)va_arg(*ap, int);
	case LEN_SHORT:		return (short)va_arg(*ap, int);
	case LEN_LONG:		return va_arg(*ap, long);
	case LEN_LLONG:		return va_arg(*ap, long long);
	case LEN_SIZE:		return va_arg(*ap, ssize_t);
	case LEN_PTRDIFF:	return va_arg(*ap, ptrdiff_t);
	case LEN_INTMAX:	return va_arg(*ap, intmax_t);
	default:		return va_arg(*ap, int);
	}
}

/* Fetch an unsigned integer argument of the spec's length. */
static uintmax_t
arg_unsigned(const struct conv_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_CHAR:		return (unsigned char)va_arg(*ap, unsigned);
	case LEN_SHORT:		return (unsigned short)va_arg(*ap, unsigned);
	case LEN_LONG:		return va_arg(*ap, unsigned long);
	case LEN_LLONG:		return va_arg(*ap, unsigned long long);
	case LEN_SIZE:		return va_arg(*ap, size_t);
	case LEN_PTRDIFF:	return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_INTMAX:	return va_arg(*ap, uintmax_t);
	default:		return va_arg(*ap, unsigned);
	}
}

/*
 * Write the digits of v in base into the end of buf (size 24 suffices for
 * 64-bit octal); return the number of digits.  Zero has one digit.
 */
static int
to_digits(char *buf, size_t size, uintmax_t v, unsigned base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = buf + size;

	do {
		*--p = set[v % base];
		v /= base;
	} while (v != 0);
	return (int)(buf + size - p);
}

/* The number base of an integer conversion. */
static unsigned
base_of(char conv)
{
	switch (conv) {
	case 'o':
		return 8;
	case 'x': case 'X': case 'p':
		return 16;
	default:
		return 10;
	}
}

/*
 * Emit a number: sign (0 for none), prefix, zero padding and the digits
 * of mag, laid out in the spec's field.
 */
static void
emit_number(struct out *o, const struct conv_spec *sp, uintmax_t mag,
    char sign, const char *prefix)
{
	char buf[24];
	int ndig = 0, zeros, pad, plen = (int)strlen(prefix);

	if (!(mag == 0 && sp->prec == 0))
		ndig = to_digits(buf, sizeof(buf), mag, base_of(sp->conv),
		    sp->conv == 'X');
	zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	/* '#' with 'o' makes the first digit a zero, adding one if needed. */
	if (sp->conv == 'o' && (sp->flags & F_ALT) && zeros == 0 &&
	    (ndig == 0 || buf[sizeof(buf) - ndig] != '0'))
		zeros = 1;
	pad = sp->width - (sign != 0) - plen - zeros - ndig;
	if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0 &&
	    pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	if (sign != 0)
		out_char(o, sign);
	out_bytes(o, prefix, plen);
	out_repeat(o, '0', zeros);
	out_bytes(o, buf + sizeof(buf) - ndig, ndig);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* Emit len characters of s in the spec's field (padded with spaces). */
static void
emit_text(struct out *o, const struct conv_spec *sp, const char *s,
    size_t len)
{
	int pad = (size_t)sp->width > len ? sp->width - (int)len : 0;

	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_bytes(o, s, len);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* The sign a non-negative number gets from the '+' and ' ' flags. */
static char
plus_sign(const struct conv_spec *sp)
{
	if (sp->flags & F_PLUS)
		return '+';
	if (sp->flags & F_SPACE)
		return ' ';
	return 0;
}

/* %d and %i. */
static void
conv_signed(struct out *o, const struct conv_spec *sp, va_list *ap)
{
	intmax_t v = arg_signed(sp, ap);

	/* Negate in unsigned arithmetic so INTMAX_MIN has a magnitude. */
	if (v < 0)
		emit_number(o, sp, (uintmax_t)0 - (uintmax_t)v, '-', "");
	else
		emit_number(o, sp, (uintmax_t)v, plus_sign(sp), "");
}

/* %u %x %X %o: no sign; '#' adds a prefix to non-zero hex. */
static void
conv_unsigned(struct out *o, const struct conv_spec *sp, va_list *ap)
{
	uintmax_t v = arg_unsigned(sp, ap);
	const char *prefix = "";

	if ((sp->flags & F_ALT) && v != 0 && sp->conv != 'u' &&
	    sp->conv != 'o')
		prefix = sp->conv == 'X' ? "0X" : "0x";
	emit_number(o, sp, v, 0, prefix);
}

/* %p: like %#lx, with glibc's "(nil)" for NULL. */
static void
conv_pointer(struct out *o, const struct conv_spec *sp, va_list *ap)
{
	void *p = va_arg(*ap, void *);

	if (p == NULL)
		emit_text(o, sp, "(nil)", 5);
	else
		emit_number(o, sp, (uintptr_t)p, plus_sign(sp), "0x");
}

/* %s: NULL prints "(null)"; a precision bounds how much is read. */
static void
conv_string(struct out *o, const struct conv_spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);

	if (s == NULL)
		s = "(null)";
	emit_text(o, sp, s, sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s));
}

/*
 * Carry out one conversion.  Returns false for an unknown conversion
 * character, which the caller copies through as written.
 */
static bool
convert(struct out *o, const struct conv_spec *sp, va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd': case 'i':
		conv_signed(o, sp, ap);
		return true;
	case 'u': case 'x': case 'X': case 'o':
		conv_unsigned(o, sp, ap);
		return true;
	case 'p':
		conv_pointer(o, sp, ap);
		return true;
	case 's':
		conv_string(o, sp, ap);
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_text(o, sp, &c, 1);
		return true;
	case '%':
		out_char(o, '%');
		return true;
	default:
		return false;
	}
}

/*
 * Format into buf of size bytes (see the comment at the top); buf may be
 * NULL when size is 0.
 */
int
kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct conv_spec spec;
	const char *start;
	va_list args;

	/* A copy, so that helpers can take its address portably. */
	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		start = fmt;
		fmt = parse_spec(fmt + 1, &spec, &args);
		if (!convert(&o, &spec, &args))
			out_bytes(&o, start, fmt - start);
	}
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > (size_t)INT_MAX_VALUE ? INT_MAX_VALUE : (int)o.len;
}

/* kvsnprintf with a variable argument list. */
int
ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
