#!/usr/bin/python3
"""Check a --cwnd-trace file (platform/hosted/cli/net_cwnd.c).

    cwnd_check.py TRACE

For the connection with the most samples: the congestion window must
rise above its first value (slow start, congestion avoidance) and fall
at least once at a sample whose total_retrans is above zero (a back-off
after a loss).  Prints the window's course either way.
"""
import sys


def main():
    conns = {}
    for line in open(sys.argv[1]):
        if line.startswith("#") or not line.strip():
            continue
        ms, conn, cwnd, ssthresh, retrans, rtt = map(int, line.split())
        conns.setdefault(conn, []).append((ms, cwnd, ssthresh, retrans))
    if not conns:
        print("no samples in the trace", file=sys.stderr)
        return 1
    conn, s = max(conns.items(), key=lambda kv: len(kv[1]))
    first = s[0][1]
    peak = max(x[1] for x in s)
    falls = [(s[i][0], s[i - 1][1], s[i][1], s[i][3]) for i in range(1, len(s))
             if s[i][1] < s[i - 1][1] and s[i][3] > 0]
    print(f"conn {conn}: {len(s)} samples, cwnd first {first}, peak {peak}, "
          f"{len(falls)} falls after losses, total_retrans {s[-1][3]}")
    for ms, a, b, r in falls[:5]:
        print(f"  {ms} ms: cwnd {a} -> {b} (total_retrans {r})")
    ok = True
    if peak <= first:
        print("cwnd never rose above its first value", file=sys.stderr)
        ok = False
    if not falls:
        print("cwnd never fell after a retransmission", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
