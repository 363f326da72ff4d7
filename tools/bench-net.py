#!/usr/bin/python3
"""The network benchmark's Linux-side programs (tools/bench-net).

    bench-net.py bulk HOST PORT MIB     send MIB MiB to a discard server,
                                        half-close, wait for its close;
                                        prints "bulk MB/s"
    bench-net.py rate HOST PORT SECS    connect, 1 byte there and back,
                                        close, again for SECS seconds;
                                        prints "rate conns/s"
    bench-net.py discard PORT           a discard server (a thread per
                                        connection), closing at EOF
    bench-net.py echo PORT              an echo server, as above
"""
import socket
import sys
import threading
import time


def bulk(host, port, mib):
    chunk = bytes(256 * 1024)
    s = socket.create_connection((host, port), timeout=60)
    t0 = time.monotonic()
    for _ in range(mib * 4):
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    dt = time.monotonic() - t0
    s.close()
    print(f"bulk {mib * 1.048576 / dt:.1f}")


def rate(host, port, secs):
    n = 0
    end = time.monotonic() + secs
    t0 = time.monotonic()
    while time.monotonic() < end:
        s = socket.create_connection((host, port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"x")
        if s.recv(1) != b"x":
            raise SystemExit("rate: bad echo")
        s.close()
        n += 1
    print(f"rate {n / (time.monotonic() - t0):.0f}")


def serve(port, echo):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(512)

    def conn(c):
        with c:
            while True:
                d = c.recv(262144)
                if not d:
                    break
                if echo:
                    c.sendall(d)

    while True:
        c, _ = ls.accept()
        threading.Thread(target=conn, args=(c,), daemon=True).start()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "bulk":
        bulk(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "rate":
        rate(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        serve(int(sys.argv[2]), mode == "echo")
