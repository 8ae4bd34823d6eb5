#!/usr/bin/env python3
"""Attaches to a TUN device (IFF_TUN | IFF_NO_PI) and relays IP packets
between it and stdio, for a userspace stack that cannot ioctl a TUN device
itself (Node.js). Frames on both pipes are a 4-octet big-endian length then
the packet. Run it inside the device's network namespace:

    ip netns exec NS python3 tun-bridge.py IFNAME

With --ethernet MAC, IFNAME is an Ethernet device whose other side is a
host that was told no ARP (a VM's NIC behind a tap device): the bridge
reads the IPv4 frames that arrive on it through a packet socket and relays
their packets, and sends each packet to MAC in a frame of its own, so the
caller still sees bare IP packets, exactly as the host sent them.

It exits when stdin closes or the device goes away."""
import fcntl
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


class Tun:
    def __init__(self, name):
        self.fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(self.fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))

    def fileno(self):
        return self.fd

    def read(self):
        return os.read(self.fd, 65535)

    def write(self, packet):
        os.write(self.fd, packet)


class Ethernet:
    """IPv4 packets in Ethernet frames to and from one host on the device."""

    def __init__(self, name, mac):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.sock.bind((name, ETH_P_IP))
        self.header = bytes.fromhex(mac.replace(":", "")) + self.sock.getsockname()[4][:6] + struct.pack(">H", ETH_P_IP)

    def fileno(self):
        return self.sock.fileno()

    def read(self):
        frame, address = self.sock.recvfrom(65535)
        # What this socket sends is seen again as outgoing: only what the host sent is relayed.
        if address[2] == PACKET_OUTGOING:
            return None
        # A short frame may have been padded: the IP header says where the packet ends.
        return frame[14 : 14 + struct.unpack(">H", frame[16:18])[0]]

    def write(self, packet):
        self.sock.send(self.header + packet)


def main():
    name = sys.argv[1]
    dev = Ethernet(name, sys.argv[3]) if sys.argv[2:3] == ["--ethernet"] else Tun(name)
    stdin = sys.stdin.buffer.raw
    stdout = sys.stdout.buffer
    pending = b""
    # Say the device is attached, so the caller knows packets will flow.
    stdout.write(struct.pack(">I", 0))
    stdout.flush()
    while True:
        readable, _, _ = select.select([dev, stdin], [], [])
        if dev in readable:
            packet = dev.read()
            if packet:
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
                dev.write(pending[4 : 4 + length])
                pending = pending[4 + length :]


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
