#!/usr/bin/env python3
"""Drive the Linux kernel as an IGMP host from inside a network namespace.

Run as `ip netns exec NS python3 igmp-host.py LOCAL_ADDR`; reads one command per line on stdin and
answers one line on stdout: `ok` or `err <message>`. This is the hook protocol of `igmpkit conform --role
host --hook CMD`, so this script is the hook for a Linux kernel host. The kernel itself sends every report; this helper
only holds sockets and sets the multicast socket options that make it do so.

Commands:
  join G            IP_ADD_MEMBERSHIP (any-source, EXCLUDE {} mode)
  leave G           IP_DROP_MEMBERSHIP
  joinsrc G S       IP_ADD_SOURCE_MEMBERSHIP (INCLUDE {S})
  leavesrc G S      IP_DROP_SOURCE_MEMBERSHIP
  block G S         IP_BLOCK_SOURCE on the any-source socket of G (EXCLUDE {S})
  unblock G S       IP_UNBLOCK_SOURCE
  ping              answers ok
  Any command may end with `@NAME`: the socket is then the one named NAME (default: one socket per group
  and mode), so two sockets of one process can hold the same group.
  quit              closes every socket (the kernel sends leaves) and exits

Each group gets its own socket for the any-source join and another for source-specific joins, because
Linux refuses to mix the two modes for one group on one socket.
"""
import socket
import sys

# Values from <linux/in.h>; Python's socket module lacks some of them.
IP_ADD_MEMBERSHIP = 35
IP_DROP_MEMBERSHIP = 36
IP_UNBLOCK_SOURCE = 37
IP_BLOCK_SOURCE = 38
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40

assert getattr(socket, "IP_ADD_MEMBERSHIP", 35) == IP_ADD_MEMBERSHIP
assert getattr(socket, "IP_DROP_MEMBERSHIP", 36) == IP_DROP_MEMBERSHIP


def mreq(group, local):
    # struct ip_mreq { imr_multiaddr; imr_interface; }
    return socket.inet_aton(group) + socket.inet_aton(local)


def mreq_source(group, local, source):
    # struct ip_mreq_source { imr_multiaddr; imr_interface; imr_sourceaddr; } (Linux order)
    return socket.inet_aton(group) + socket.inet_aton(local) + socket.inet_aton(source)


def main():
    local = sys.argv[1]
    asm = {}
    ssm = {}

    def sock_for(table, key):
        s = table.get(key)
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            table[key] = s
        return s

    def reply(text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        tag = ""
        if len(parts) > 1 and parts[-1].startswith("@"):
            tag = parts.pop()
        cmd, args = parts[0], parts[1:]
        try:
            if args:
                # Sockets are keyed by group and optional @name.
                key = args[0] + tag
            if cmd == "ping":
                pass
            elif cmd == "quit":
                for s in list(asm.values()) + list(ssm.values()):
                    s.close()
                reply("ok")
                return
            elif cmd == "join":
                sock_for(asm, key).setsockopt(socket.IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq(args[0], local))
            elif cmd == "leave":
                s = asm.pop(key, None)
                if s is None:
                    raise ValueError("not joined: " + args[0])
                s.setsockopt(socket.IPPROTO_IP, IP_DROP_MEMBERSHIP, mreq(args[0], local))
                s.close()
            elif cmd == "joinsrc":
                sock_for(ssm, key).setsockopt(
                    socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, mreq_source(args[0], local, args[1]))
            elif cmd == "leavesrc":
                s = ssm.get(key)
                if s is None:
                    raise ValueError("not joined: " + args[0])
                s.setsockopt(socket.IPPROTO_IP, IP_DROP_SOURCE_MEMBERSHIP, mreq_source(args[0], local, args[1]))
            elif cmd == "block":
                s = asm.get(key)
                if s is None:
                    raise ValueError("block needs an any-source join of " + args[0])
                s.setsockopt(socket.IPPROTO_IP, IP_BLOCK_SOURCE, mreq_source(args[0], local, args[1]))
            elif cmd == "unblock":
                s = asm.get(key)
                if s is None:
                    raise ValueError("unblock needs an any-source join of " + args[0])
                s.setsockopt(socket.IPPROTO_IP, IP_UNBLOCK_SOURCE, mreq_source(args[0], local, args[1]))
            else:
                raise ValueError("unknown command: " + cmd)
            reply("ok")
        except (OSError, ValueError, IndexError) as e:
            reply("err " + str(e).replace("\n", " "))


if __name__ == "__main__":
    main()
