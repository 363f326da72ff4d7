#!/usr/bin/python3
"""TCP echo client for the network tests and the benchmark.

    tcp_echo_client.py HOST PORT CONNS BYTES

Opens CONNS connections at once (all connected before any data moves),
then drives them together with selectors: each sends BYTES of its own
pseudo-random data in pieces of varied size while reading the echo
back, and checks every byte.  Exit 0 when all connections got exactly
their data back, 1 otherwise (with the first failures printed).
"""
import random
import selectors
import socket
import sys
import time


def main():
    host, port, nconn, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    deadline = time.monotonic() + 150
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(nconn):
        s = socket.socket()
        s.settimeout(30)
        s.connect((host, port))
        s.setblocking(False)
        data = random.Random(i).randbytes(nbytes)
        c = {"i": i, "s": s, "data": data, "sent": 0, "got": bytearray()}
        conns.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    print(f"{nconn} connections open")
    rng = random.Random(99)
    open_ = nconn
    failures = []
    while open_ and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            c = key.data
            s = c["s"]
            if ev & selectors.EVENT_WRITE and c["sent"] < nbytes:
                n = rng.randint(1, 16384)
                try:
                    c["sent"] += s.send(c["data"][c["sent"]:c["sent"] + n])
                except BlockingIOError:
                    pass
                if c["sent"] == nbytes:
                    sel.modify(s, selectors.EVENT_READ, c)
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    failures.append(f"conn {c['i']}: EOF after {len(c['got'])} bytes")
                    sel.unregister(s)
                    s.close()
                    open_ -= 1
                    continue
                c["got"] += chunk
                if len(c["got"]) >= nbytes:
                    if bytes(c["got"]) != c["data"]:
                        failures.append(f"conn {c['i']}: data differs")
                    sel.unregister(s)
                    s.close()
                    open_ -= 1
    if open_:
        failures.append(f"{open_} connections unfinished at the deadline")
    for f in failures[:10]:
        print(f, file=sys.stderr)
    print(f"{nconn - len(failures)} of {nconn} connections echoed {nbytes} bytes intact")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
