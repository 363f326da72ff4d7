/*
 * TCP options in: MSS, window scale, SACK-permitted, SACK blocks and
 * timestamps (RFC 9293 3.2, RFC 7323, RFC 2018).
 *
 * The parser trusts nothing: an option whose length byte is below 2 or
 * runs past the header is malformed and the whole segment is dropped
 * (counted as tcp_bad_opts), as is a known option with the wrong length.
 * Unknown options are skipped by their length.  MSS, window scale and
 * SACK-permitted mean something only on a SYN and are ignored elsewhere.
 */
#include "lib/string.h"
#include "net/tcp.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* One option of kind k and length n at p (n checked against the room). */
static int
parse_one(const uint8_t *p, uint8_t k, size_t n, bool syn, struct tcp_opts *o)
{
	size_t i;

	switch (k) {
	case TCPOPT_MSS:
		if (n != 4)
			return -1;
		if (syn) {
			o->mss_ok = true;
			o->mss = get16(p + 2);
		}
		return 0;
	case TCPOPT_WSCALE:
		if (n != 3)
			return -1;
		if (syn) {
			o->ws_ok = true;
			o->ws = MIN(p[2], TCP_MAX_WSCALE);
		}
		return 0;
	case TCPOPT_SACK_PERM:
		if (n != 2)
			return -1;
		if (syn)
			o->sack_ok = true;
		return 0;
	case TCPOPT_TIMESTAMP:
		if (n != 10)
			return -1;
		o->ts_ok = true;
		o->tsval = get32(p + 2);
		o->tsecr = get32(p + 6);
		return 0;
	case TCPOPT_SACK:
		if (n < 10 || (n - 2) % 8 != 0)
			return -1;
		for (i = 2; i < n && o->nsack < TCP_SACK_MAX; i += 8) {
			o->sack[o->nsack].start = get32(p + i);
			o->sack[o->nsack].end = get32(p + i + 4);
			o->nsack++;
		}
		return 0;
	default:
		return 0;
	}
}

int
tcp_parse_options(const uint8_t *p, size_t len, bool syn, struct tcp_opts *o)
{
	size_t at = 0, n;
	uint8_t k;

	memset(o, 0, sizeof(*o));
	while (at < len) {
		k = p[at];
		if (k == TCPOPT_EOL)
			break;
		if (k == TCPOPT_NOP) {
			at++;
			continue;
		}
		if (at + 1 >= len)
			return -1;
		n = p[at + 1];
		if (n < 2 || at + n > len)
			return -1;
		if (parse_one(p + at, k, n, syn, o) != 0)
			return -1;
		at += n;
	}
	return 0;
}
