#!/usr/bin/python3
"""UDP echo peer for the network tests.

    udp_echo.py server ADDR PORT         echo every datagram to its sender
    udp_echo.py client HOST PORT COUNT   send COUNT numbered datagrams of
                                         sizes 1..8000 bytes, expect each
                                         echoed intact (resent up to 5
                                         times on a 300 ms silence)
"""
import random
import socket
import sys


def server(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def client(host, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    rng = random.Random(7)
    sizes = [1, 100, 1472, 1473, 4000, 8000]
    ok = resent = 0
    for i in range(count):
        size = sizes[i] if i < len(sizes) else rng.randint(1, 3000)
        data = i.to_bytes(4, "big")[:size] + rng.randbytes(max(0, size - 4))
        for attempt in range(5):
            if attempt:
                resent += 1
            s.sendto(data, (host, port))
            try:
                while True:
                    got, peer = s.recvfrom(65535)
                    if got == data and peer == (host, port):
                        break
            except socket.timeout:
                continue
            ok += 1
            break
        else:
            print(f"datagram {i} ({size} bytes): no echo", file=sys.stderr)
            break
    print(f"{ok} of {count} datagrams echoed ({resent} resent)")
    return 0 if ok == count else 1


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
