#!/usr/bin/env python3
"""Hold the kernel's mroute socket like a routing daemon, without resolving anything.

Usage (inside a namespace): mroute_holder.py IF[,IF...]

Opens a raw IGMP socket, MRT_INIT, then adds one VIF per interface (VIF index = position, bound by
ifindex, TTL threshold 1) and prints one line per VIF: "vif N IF ok" or "vif N IF err ERRNO", then "ready".
Holds the socket (multicast routing stays active, packets with no route wait unresolved) until stdin closes.
"""
import errno
import socket
import struct
import sys

MRT_INIT = 200
MRT_ADD_VIF = 202
VIFF_USE_IFINDEX = 0x8


def main():
    names = sys.argv[1].split(",")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, MRT_INIT, struct.pack("i", 1))
    for vifi, name in enumerate(names):
        # struct vifctl { u16 vifi; u8 flags; u8 threshold; u32 rate_limit; int ifindex (union); in_addr rmt; }
        ctl = struct.pack("=HBBIi4s", vifi, VIFF_USE_IFINDEX, 1, 0, socket.if_nametoindex(name), b"\0" * 4)
        try:
            s.setsockopt(socket.IPPROTO_IP, MRT_ADD_VIF, ctl)
            print("vif %d %s ok" % (vifi, name))
        except OSError as e:
            print("vif %d %s err %s" % (vifi, name, errno.errorcode.get(e.errno, str(e.errno))))
    print("ready")
    sys.stdout.flush()
    sys.stdin.read()


if __name__ == "__main__":
    main()
