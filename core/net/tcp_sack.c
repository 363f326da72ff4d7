/*
 * Selective acknowledgment (RFC 2018): the sender's scoreboard.
 *
 * The scoreboard keeps what the peer's SACK blocks reported above
 * snd_una as sorted, disjoint, merged ranges.  A block is believed only
 * if it lies within [snd_una, snd_max] (RFC 2018 lets a receiver renege,
 * so nothing here frees data: the ring keeps every byte until the
 * cumulative ACK covers it, and a retransmission timeout forgets the
 * board).  Loss recovery (tcp_input.c) asks it for the holes below the
 * highest SACKed byte, which RFC 6675 treats as lost, and for how many
 * bytes are SACKed, to estimate the pipe.
 *
 * The receiver's side, the blocks it reports from its out-of-order
 * queue, lives beside that queue in tcp_input.c.
 */
#include "lib/string.h"
#include "net/tcp.h"

/* Insert [start, end) and merge neighbours. */
void
sack_score_add(struct tcp_scoreboard *sb, uint32_t una, uint32_t nxt,
    uint32_t start, uint32_t end)
{
	int i, j;

	if (!SEQ_LT(start, end) || SEQ_LT(start, una) || SEQ_GT(end, nxt))
		return;
	for (i = 0; i < sb->n && SEQ_LT(sb->b[i].end, start); i++)
		;
	/* Blocks i.. that touch [start, end) merge into it. */
	for (j = i; j < sb->n && SEQ_LEQ(sb->b[j].start, end); j++) {
		start = SEQ_MIN(start, sb->b[j].start);
		end = SEQ_MAX(end, sb->b[j].end);
	}
	if (j == i && sb->n == TCP_SCORE_MAX) {
		if (i == sb->n)
			return;		/* full: drop the highest, the newest */
		sb->n--;
	}
	memmove(&sb->b[i + 1], &sb->b[j],
	    (size_t)(sb->n - j) * sizeof(sb->b[0]));
	sb->n -= j - i - 1;
	sb->b[i].start = start;
	sb->b[i].end = end;
}

/* The cumulative ACK moved to una: forget what it covers. */
void
sack_score_ack(struct tcp_scoreboard *sb, uint32_t una)
{
	int i = 0, k;

	while (i < sb->n && SEQ_LEQ(sb->b[i].end, una))
		i++;
	if (i < sb->n && SEQ_LT(sb->b[i].start, una))
		sb->b[i].start = una;
	for (k = 0; i + k < sb->n; k++)
		sb->b[k] = sb->b[i + k];
	sb->n = k;
}

uint32_t
sack_score_bytes(const struct tcp_scoreboard *sb)
{
	uint32_t sum = 0;
	int i;

	for (i = 0; i < sb->n; i++)
		sum += sb->b[i].end - sb->b[i].start;
	return sum;
}

/* The end of the highest SACKed range, or una when none. */
uint32_t
sack_score_high(const struct tcp_scoreboard *sb, uint32_t una)
{
	return sb->n == 0 ? una : SEQ_MAX(una, sb->b[sb->n - 1].end);
}

uint32_t
sack_next_hole(const struct tcp_scoreboard *sb, uint32_t from,
    uint32_t limit, uint32_t *len)
{
	int i;

	for (i = 0; i < sb->n; i++) {
		if (SEQ_LEQ(sb->b[i].end, from))
			continue;
		if (SEQ_LEQ(sb->b[i].start, from)) {
			from = sb->b[i].end;	/* inside a block: skip it */
			continue;
		}
		break;
	}
	if (!SEQ_LT(from, limit)) {
		*len = 0;
		return from;
	}
	*len = (i < sb->n && SEQ_LT(sb->b[i].start, limit)) ?
	    sb->b[i].start - from : limit - from;
	return from;
}

uint32_t
sack_unsacked(const struct tcp_scoreboard *sb, uint32_t from, uint32_t to)
{
	uint32_t sum = 0, len, at = from;

	while (SEQ_LT(at, to)) {
		at = sack_next_hole(sb, at, to, &len);
		if (len == 0)
			break;
		sum += len;
		at += len;
	}
	return sum;
}
