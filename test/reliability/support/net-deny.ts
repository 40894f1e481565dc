// A preload (`node --import ./net-deny.ts`, or in NODE_OPTIONS so every child and worker gets it) that makes
// every client network API throw, and records each attempt as a JSON line in $MEDPREP_NET_LOG. Each thread
// that loads it records one "armed" line, so a test can show the preload was in force where the work ran.
// Listening (browser mode's server) is not a client call and is left alone.
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import { threadId } from 'node:worker_threads';

const log = process.env.MEDPREP_NET_LOG;

function record(entry: Record<string, unknown>): void {
  if (log) fs.appendFileSync(log, `${JSON.stringify({ pid: process.pid, thread: threadId, ...entry })}\n`);
}

function deny(api: string): never {
  const stack = new Error().stack?.split('\n').slice(3, 8).join(' | ') ?? '';
  record({ event: 'denied', api, stack });
  throw new Error(`network access denied by the test preload: ${api}`);
}

type Obj = Record<string, unknown>;
function trap(target: object, names: string[], prefix: string): void {
  for (const name of names) {
    if (typeof (target as Obj)[name] !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value: function denied() {
        deny(`${prefix}.${name}`);
      },
    });
  }
}

trap(net, ['connect', 'createConnection'], 'net');
trap(net.Socket.prototype, ['connect'], 'net.Socket.prototype');
trap(tls, ['connect'], 'tls');
trap(dgram, ['createSocket'], 'dgram');
const DNS = [
  'lookup',
  'lookupService',
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCname',
  'resolveMx',
  'resolveNs',
  'resolveTxt',
  'resolveSrv',
  'resolvePtr',
  'resolveNaptr',
  'resolveSoa',
  'reverse',
];
// Node's own `server.listen(port, '127.0.0.1')` passes the address through dns.lookup, which answers IP
// literals without any query: those go through; a name is denied.
const lookup = dns.lookup.bind(dns);
trap(dns, DNS, 'dns');
Object.defineProperty(dns, 'lookup', {
  configurable: true,
  writable: true,
  value: function lookupLiteral(host: string, ...rest: unknown[]) {
    if (net.isIP(host) === 0) deny('dns.lookup');
    return (lookup as (...a: unknown[]) => unknown)(host, ...rest);
  },
});
trap(dns.promises, DNS, 'dns.promises');
trap(dns.Resolver.prototype, DNS, 'dns.Resolver.prototype');
trap(dns.promises.Resolver.prototype, DNS, 'dns.promises.Resolver.prototype');
trap(http, ['request', 'get'], 'http');
trap(https, ['request', 'get'], 'https');
trap(http2, ['connect'], 'http2');
for (const name of ['fetch', 'WebSocket', 'EventSource']) {
  if (name in globalThis) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      writable: true,
      value: function denied() {
        deny(`globalThis.${name}`);
      },
    });
  }
}
syncBuiltinESMExports();
record({ event: 'armed', argv: process.argv.slice(1, 3).map((a) => a.split('/').slice(-2).join('/')) });
