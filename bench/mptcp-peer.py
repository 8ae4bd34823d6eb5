#!/usr/bin/env python3
"""A kernel MPTCP sender for the throughput benchmark: connects, prepares
COUNT random octets, says {"ready": ...} and sends them at once when a line
arrives on stdin, then shuts down its side and reports {"sha256", "ms"}.
Run it in a namespace: ip netns exec NS python3 mptcp-peer.py ADDR PORT COUNT [tcp]
(tcp: a plain TCP socket instead of MPTCP)."""
import hashlib
import json
import random
import socket
import sys
import time

IPPROTO_MPTCP = 262


def main():
    addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data = random.randbytes(count)
    proto = socket.IPPROTO_TCP if len(sys.argv) > 4 and sys.argv[4] == "tcp" else IPPROTO_MPTCP
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.connect((addr, port))
    print(json.dumps({"ready": True, "sha256": hashlib.sha256(data).hexdigest()}), flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    print(json.dumps({"ms": (time.monotonic() - t0) * 1000}), flush=True)
    s.close()


if __name__ == "__main__":
    main()
