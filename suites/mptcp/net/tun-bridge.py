#!/usr/bin/env python3
"""Attaches to a TUN device (IFF_TUN | IFF_NO_PI) and relays IP packets
between it and stdio, for a userspace stack that cannot ioctl a TUN device
itself (Node.js). Frames on both pipes are a 4-octet big-endian length then
the packet. Run it inside the device's network namespace:

    ip netns exec NS python3 tun-bridge.py IFNAME

It exits when stdin closes or the device goes away."""
import fcntl
import os
import select
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main():
    name = sys.argv[1].encode()
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name, IFF_TUN | IFF_NO_PI))
    stdin = sys.stdin.buffer.raw
    stdout = sys.stdout.buffer
    pending = b""
    # Say the device is attached, so the caller knows packets will flow.
    stdout.write(struct.pack(">I", 0))
    stdout.flush()
    while True:
        readable, _, _ = select.select([fd, stdin], [], [])
        if fd in readable:
            packet = os.read(fd, 65535)
            stdout.write(struct.pack(">I", len(packet)) + packet)
            stdout.flush()
        if stdin in readable:
            chunk = os.read(stdin.fileno(), 262144)
            if not chunk:
                return
            pending += chunk
            while len(pending) >= 4:
                (length,) = struct.unpack(">I", pending[:4])
                if len(pending) < 4 + length:
                    break
                os.write(fd, pending[4 : 4 + length])
                pending = pending[4 + length :]


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
