/*
 * TCP's pure pieces, alone: sequence-number comparison across the wrap,
 * option parsing (good, malformed, unknown), the sender's SACK
 * scoreboard (merging, the cumulative ACK, holes), the RFC 6298 RTO
 * estimator (first sample, smoothing, the 200 ms floor) and NewReno's
 * windows (slow start, congestion avoidance, recovery, timeout).
 */
#include <check.h>
#include <string.h>

#include "net/tcp.h"

START_TEST(test_seq)
{
	ck_assert(SEQ_LT(0xfffffff0u, 0x10u));
	ck_assert(SEQ_GT(0x10u, 0xfffffff0u));
	ck_assert(SEQ_LEQ(5u, 5u));
	ck_assert(!SEQ_LT(5u, 5u));
	ck_assert_uint_eq(SEQ_MAX(0xffffff00u, 3u), 3u);
	ck_assert_uint_eq(SEQ_MIN(0xffffff00u, 3u), 0xffffff00u);
}
END_TEST

START_TEST(test_options)
{
	static const uint8_t syn[] = {
		2, 4, 0x05, 0xb4,		/* MSS 1460 */
		1, 3, 3, 7,			/* NOP, WS 7 */
		4, 2,				/* SACK-permitted */
		8, 10, 0, 0, 0, 1, 0, 0, 0, 2,	/* TS 1, 2 */
		1, 0,				/* NOP, EOL */
	};
	static const uint8_t sack[] = {
		1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20,
		0, 0, 0, 30, 0, 0, 0, 40,
	};
	static const uint8_t unknown[] = { 30, 4, 1, 2, 1, 1 };
	static const uint8_t zero_len[] = { 30, 0, 1, 1 };
	static const uint8_t past_end[] = { 2, 4, 5 };
	static const uint8_t bad_mss[] = { 2, 3, 5, 1 };
	static const uint8_t bad_sack[] = { 5, 6, 0, 0, 0, 1 };
	static const uint8_t lone_kind[] = { 1, 1, 8 };
	static const uint8_t huge_ws[] = { 3, 3, 40, 0 };
	struct tcp_opts o;

	ck_assert_int_eq(tcp_parse_options(syn, sizeof(syn), true, &o), 0);
	ck_assert(o.mss_ok && o.ws_ok && o.sack_ok && o.ts_ok);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(o.ws, 7);
	ck_assert_uint_eq(o.tsval, 1);
	ck_assert_uint_eq(o.tsecr, 2);
	/* SYN-only options mean nothing later; timestamps do. */
	ck_assert_int_eq(tcp_parse_options(syn, sizeof(syn), false, &o), 0);
	ck_assert(!o.mss_ok && !o.ws_ok && !o.sack_ok && o.ts_ok);
	ck_assert_int_eq(tcp_parse_options(sack, sizeof(sack), false, &o), 0);
	ck_assert_int_eq(o.nsack, 2);
	ck_assert_uint_eq(o.sack[0].start, 10);
	ck_assert_uint_eq(o.sack[1].end, 40);
	ck_assert_int_eq(tcp_parse_options(unknown, sizeof(unknown), true,
	    &o), 0);
	ck_assert(!o.mss_ok);
	ck_assert_int_eq(tcp_parse_options(huge_ws, sizeof(huge_ws), true,
	    &o), 0);
	ck_assert_uint_eq(o.ws, TCP_MAX_WSCALE);
	ck_assert_int_eq(tcp_parse_options(zero_len, sizeof(zero_len), true,
	    &o), -1);
	ck_assert_int_eq(tcp_parse_options(past_end, sizeof(past_end), true,
	    &o), -1);
	ck_assert_int_eq(tcp_parse_options(bad_mss, sizeof(bad_mss), true,
	    &o), -1);
	ck_assert_int_eq(tcp_parse_options(bad_sack, sizeof(bad_sack), false,
	    &o), -1);
	ck_assert_int_eq(tcp_parse_options(lone_kind, sizeof(lone_kind),
	    false, &o), -1);
	ck_assert_int_eq(tcp_parse_options(NULL, 0, true, &o), 0);
}
END_TEST

START_TEST(test_scoreboard)
{
	struct tcp_scoreboard sb;
	uint32_t una = 0xfffff000u, len, at;
	int i;

	memset(&sb, 0, sizeof(sb));
	sack_score_add(&sb, una, una + 10000, una + 2000, una + 3000);
	sack_score_add(&sb, una, una + 10000, una + 5000, una + 6000);
	ck_assert_int_eq(sb.n, 2);
	/* Outside [una, nxt]: ignored. */
	sack_score_add(&sb, una, una + 10000, una - 100, una + 100);
	sack_score_add(&sb, una, una + 10000, una + 9000, una + 11000);
	ck_assert_int_eq(sb.n, 2);
	/* A block bridging both merges the three. */
	sack_score_add(&sb, una, una + 10000, una + 2500, una + 5500);
	ck_assert_int_eq(sb.n, 1);
	ck_assert_uint_eq(sb.b[0].start, una + 2000);
	ck_assert_uint_eq(sb.b[0].end, una + 6000);
	ck_assert_uint_eq(sack_score_bytes(&sb), 4000);
	ck_assert_uint_eq(sack_score_high(&sb, una), una + 6000);
	sack_score_add(&sb, una, una + 10000, una + 7000, una + 8000);
	/* Holes: [una, +2000), then [+6000, +7000). */
	at = sack_next_hole(&sb, una, una + 8000, &len);
	ck_assert_uint_eq(at, una);
	ck_assert_uint_eq(len, 2000);
	at = sack_next_hole(&sb, una + 2100, una + 8000, &len);
	ck_assert_uint_eq(at, una + 6000);
	ck_assert_uint_eq(len, 1000);
	at = sack_next_hole(&sb, una + 7000, una + 8000, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(sack_unsacked(&sb, una, una + 8000), 3000);
	/* The cumulative ACK eats the first block and cuts nothing else. */
	sack_score_ack(&sb, una + 4000);
	ck_assert_int_eq(sb.n, 2);
	ck_assert_uint_eq(sb.b[0].start, una + 4000);
	sack_score_ack(&sb, una + 9000);
	ck_assert_int_eq(sb.n, 0);
	/* A full board keeps its lowest blocks. */
	for (i = 0; i < TCP_SCORE_MAX + 4; i++)
		sack_score_add(&sb, 0, 100000, (uint32_t)i * 100 + 10,
		    (uint32_t)i * 100 + 20);
	ck_assert_int_eq(sb.n, TCP_SCORE_MAX);
	ck_assert_uint_eq(sb.b[0].start, 10);
	for (i = 1; i < sb.n; i++)
		ck_assert(SEQ_LT(sb.b[i - 1].end, sb.b[i].start));
}
END_TEST

START_TEST(test_rto)
{
	struct tcp_rtt r;
	int i;

	rtt_init(&r);
	ck_assert_uint_eq(r.rto, TCP_RTO_INIT_NS);
	rtt_sample(&r, 100 * 1000000ull);
	ck_assert_uint_eq(r.srtt, 100 * 1000000ull);
	ck_assert_uint_eq(r.rttvar, 50 * 1000000ull);
	ck_assert_uint_eq(r.rto, 300 * 1000000ull);
	for (i = 0; i < 50; i++)
		rtt_sample(&r, 1000000ull);	/* 1 ms: the floor holds */
	ck_assert_uint_eq(r.rto, TCP_RTO_MIN_NS);
	ck_assert_uint_lt(r.srtt, 3 * 1000000ull);
	rtt_sample(&r, 500 * 1000000000ull);
	ck_assert_uint_eq(r.rto, TCP_RTO_MAX_NS);
}
END_TEST

START_TEST(test_newreno)
{
	struct tcp_cc c;
	uint32_t mss = 1000, w;
	int i;

	cc_init(&c, mss);
	ck_assert_uint_eq(c.cwnd, 10 * mss);
	/* Slow start: a window per window, at most two MSS per ACK. */
	cc_on_ack(&c, 5000, mss);
	ck_assert_uint_eq(c.cwnd, 12 * mss);
	cc_on_ack(&c, 500, mss);
	ck_assert_uint_eq(c.cwnd, 12 * mss + 500);
	/* Loss by three duplicate ACKs: half the flight. */
	cc_enter_recovery(&c, 20 * mss, mss, 12345);
	ck_assert(c.in_recovery);
	ck_assert_uint_eq(c.ssthresh, 10 * mss);
	ck_assert_uint_eq(c.cwnd, 10 * mss);
	ck_assert_uint_eq(c.recover, 12345);
	cc_exit_recovery(&c);
	ck_assert(!c.in_recovery);
	/* Congestion avoidance: one MSS per cwnd of ACKed bytes. */
	w = c.cwnd;
	for (i = 0; i < 10; i++)
		cc_on_ack(&c, mss, mss);
	ck_assert_uint_eq(c.cwnd, w + mss);
	/* A timeout: one segment, ssthresh half the flight, at least 2. */
	cc_on_timeout(&c, 3 * mss, mss);
	ck_assert_uint_eq(c.cwnd, mss);
	ck_assert_uint_eq(c.ssthresh, 2 * mss);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tcp_parts");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_seq);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_scoreboard);
	tcase_add_test(tc, test_rto);
	tcase_add_test(tc, test_newreno);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
