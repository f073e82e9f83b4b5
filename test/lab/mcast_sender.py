#!/usr/bin/env python3
"""Send multicast UDP from inside a network namespace, for tests of the kernel's multicast routing.

Usage: mcast_sender.py GROUP[,GROUP...] [--rate PPS] [--count N] [--ttl T] [--port P] [--spoof-source ADDR]

Sends one 32-byte UDP datagram to each group in turn at PPS packets a second (default 20), N rounds
(default: until killed), with the given TTL (default 8). With --spoof-source the datagrams go out through a
raw socket (IP_HDRINCL) with that IPv4 source: a packet from a source that is not on this LAN, as a router
sees it on the wrong interface (an RPF failure). Prints "ready" once the first round is out.
"""
import argparse
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def spoofed(src, group, port, ttl, payload):
    udp = struct.pack("!HHHH", port, port, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, ttl, socket.IPPROTO_UDP, 0,
                      socket.inet_aton(src), socket.inet_aton(group))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + udp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("groups")
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--ttl", type=int, default=8)
    ap.add_argument("--port", type=int, default=5001)
    ap.add_argument("--spoof-source")
    a = ap.parse_args()
    groups = a.groups.split(",")
    payload = b"igmpkit-lab-multicast-payload-32"
    if a.spoof_source:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
    n = 0
    while a.count == 0 or n < a.count:
        for g in groups:
            if a.spoof_source:
                s.sendto(spoofed(a.spoof_source, g, a.port, a.ttl, payload), (g, 0))
            else:
                s.sendto(payload, (g, a.port))
            time.sleep(1.0 / a.rate)
        n += 1
        if n == 1:
            sys.stdout.write("ready\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
