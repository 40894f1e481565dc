// Reads `strace -f -e trace=connect,sendto,sendmsg,bind` output into socket calls, and picks the ones that
// would leave the machine: an IPv4/IPv6 address that is not loopback, anything to port 53, the local DNS
// helpers' sockets, or a listener bound to every interface.

export interface SocketCall {
  pid: number;
  call: string;
  family: string;
  address: string;
  port: number | null;
  line: string;
}

const CALL = /^(\d+)\s+(connect|sendto|sendmsg|bind)\(/u;

export function parseStrace(text: string): SocketCall[] {
  const calls: SocketCall[] = [];
  for (const line of text.split('\n')) {
    const m = CALL.exec(line);
    if (!m) continue;
    const family = /sa_family=(AF_\w+)/u.exec(line)?.[1];
    if (!family) continue; // sendto/sendmsg on a connected socket: its connect was seen already
    const port = /sin6?_port=htons\((\d+)\)/u.exec(line)?.[1];
    const address =
      /sin_addr=inet_addr\("([^"]+)"\)/u.exec(line)?.[1] ??
      /inet_pton\(AF_INET6, "([^"]+)"/u.exec(line)?.[1] ??
      /sun_path=(?:@)?"([^"]*)"/u.exec(line)?.[1] ??
      '';
    calls.push({ pid: Number(m[1]), call: m[2]!, family, address, port: port ? Number(port) : null, line });
  }
  return calls;
}

function loopback(address: string): boolean {
  return /^127\./u.test(address) || address === '::1' || /^::ffff:127\./u.test(address);
}

export function outboundCalls(calls: SocketCall[]): SocketCall[] {
  return calls.filter((c) => {
    if (c.port === 53) return true;
    if (c.family === 'AF_UNIX') return /nscd|resolve|dbus/u.test(c.address);
    if (c.family !== 'AF_INET' && c.family !== 'AF_INET6') return false; // netlink, packet: no egress
    // A listener on 0.0.0.0 / :: would be reachable from the network; one on loopback is not.
    if (c.call === 'bind') return !loopback(c.address);
    // connect(AF_UNSPEC) dissolves an association; port 0 is not a destination.
    return !loopback(c.address) && c.port !== 0;
  });
}
