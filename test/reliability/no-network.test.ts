// No network, proven three ways on the whole pipeline (init, import of the MIMIC-CXR and PADCHEST samples,
// deid, curate, sft, export, verify, stats, models check with the tiny test models, browser mode serving a
// page): under strace, every connect/sendto/sendmsg/bind of every process and thread is logged and none may
// reach a non-loopback address or DNS; in-process, a preload in every CLI process and worker thread makes
// net/tls/dgram/dns/http(s)/http2/fetch/WebSocket throw and records each attempt, and none may be recorded;
// and inside `unshare -n` (no network interface but loopback) the pipeline still completes. The lint rule that
// bans network modules in the engine is test/unit/lint-boundaries.test.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_MODELS_DIR } from '../../native-models/test-helpers.ts';
import type { PipelineConfig, StepResult } from './support/net-pipeline.ts';
import { outboundCalls, parseStrace } from './support/net-strace.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const driver = path.join(import.meta.dirname, 'support', 'net-pipeline.ts');
const preload = path.join(import.meta.dirname, 'support', 'net-deny.ts');
const sample = path.join(repoRoot, 'resources', 'sample-data');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-nonet-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const haveStrace = have('strace', ['-f', '--seccomp-bpf', '-e', 'trace=connect', '-o', '/dev/null', 'true']);
const haveNetns = have('unshare', ['-n', 'true']) && have('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up']);

function config(name: string, env?: Record<string, string>): PipelineConfig {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  return {
    project: path.join(dir, 'project'),
    bundle: path.join(dir, 'bundle'),
    sources: [
      { path: path.join(sample, 'mimic-cxr'), format: 'mimic-cxr' },
      { path: path.join(sample, 'padchest'), format: 'padchest' },
    ],
    modelsDir: TEST_MODELS_DIR,
    json: true,
    serve: true,
    ...(env ? { env } : {}),
  };
}

/** Runs the pipeline driver under `wrap` (a command prefix) and returns its steps. */
function runDriver(name: string, cfg: PipelineConfig, wrap: string[]): StepResult[] {
  const cfgFile = path.join(work, `${name}.json`);
  const out = path.join(work, `${name}.out.json`);
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  const cmd = [...wrap, process.execPath, driver, cfgFile, out];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 400_000 });
  if (r.status !== 0) throw new Error(`driver failed (${r.status}): ${r.stderr}`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as StepResult[];
}

function expectAllSucceeded(steps: StepResult[]): void {
  for (const s of steps)
    expect({ step: s.args.slice(0, 2).join(' '), code: s.code, err: s.stderr }).toMatchObject({ code: 0 });
  expect(steps.map((s) => s.args[0])).toEqual([
    'init',
    'import',
    'import',
    'deid',
    'curate',
    'sft',
    'export',
    'verify',
    'stats',
    'jobs',
    'models',
    'serve',
  ]);
  expect(steps.at(-1)!.stdout).toMatch(/GET \/ 303; with cookie \d{3,} bytes; script 200; bad cookie 401/u);
}

describe('no network', () => {
  it('the preload denies and records every client network API (a control for the runs below)', () => {
    const log = path.join(work, 'control.log');
    const probe = `
      const tries = [
        () => fetch('http://192.0.2.1/'), () => new WebSocket('ws://192.0.2.1/'),
        async () => (await import('node:net')).connect(80, '192.0.2.1'),
        async () => new (await import('node:net')).Socket().connect(80, '192.0.2.1'),
        async () => (await import('node:tls')).connect(443, '192.0.2.1'),
        async () => (await import('node:dns')).promises.lookup('example.org'),
        async () => (await import('node:dns')).lookup('example.org', () => {}),
        async () => (await import('node:dgram')).createSocket('udp4'),
        async () => (await import('node:http')).get('http://192.0.2.1/'),
        async () => (await import('node:https')).request('https://192.0.2.1/'),
        async () => (await import('node:http2')).connect('https://192.0.2.1/'),
      ];
      let denied = 0;
      for (const t of tries) { try { await t(); } catch (e) { if (/denied/.test(e.message)) denied++; } }
      console.log(denied);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: `--import=${preload}`, MEDPREP_NET_LOG: log },
    });
    expect(r.stdout.trim()).toBe('11');
    const apis = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; api?: string });
    expect(apis.filter((e) => e.event === 'denied').map((e) => e.api)).toEqual([
      'globalThis.fetch',
      'globalThis.WebSocket',
      'net.connect',
      'net.Socket.prototype.connect',
      'tls.connect',
      'dns.promises.lookup',
      'dns.lookup',
      'dgram.createSocket',
      'http.get',
      'https.request',
      'http2.connect',
    ]);
  });

  it.skipIf(!haveStrace)(
    'strace sees the control connection, so an empty finding below means something',
    () => {
      const log = path.join(work, 'control.strace');
      spawnSync('strace', [
        '-f',
        '--seccomp-bpf',
        '-e',
        'trace=connect,sendto,sendmsg,bind',
        '-o',
        log,
        process.execPath,
        '-e',
        "require('node:net').connect(9, '192.0.2.1').on('error', () => {}); setTimeout(() => {}, 200)",
      ]);
      expect(outboundCalls(parseStrace(fs.readFileSync(log, 'utf8')))).toEqual([
        expect.objectContaining({ call: 'connect', family: 'AF_INET', address: '192.0.2.1', port: 9 }),
      ]);
    },
  );

  it.skipIf(!haveStrace)(
    'the whole pipeline under strace and the preload: no outbound socket, no DNS, no denied call',
    () => {
      const netLog = path.join(work, 'pipeline.netlog');
      const trace = path.join(work, 'pipeline.strace');
      const cfg = config('traced', { NODE_OPTIONS: `--import=${preload}`, MEDPREP_NET_LOG: netLog });
      const steps = runDriver('traced', cfg, [
        'strace',
        '-f',
        '--seccomp-bpf',
        '-e',
        'trace=connect,sendto,sendmsg,bind',
        '-o',
        trace,
      ]);
      expectAllSucceeded(steps);

      const calls = parseStrace(fs.readFileSync(trace, 'utf8'));
      // The driver's own requests to browser mode are the loopback traffic; nothing else goes anywhere.
      expect(calls.some((c) => c.call === 'connect' && c.address === '127.0.0.1')).toBe(true);
      expect(outboundCalls(calls)).toEqual([]);

      const events = fs
        .readFileSync(netLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; pid: number; thread: number });
      expect(events.filter((e) => e.event === 'denied')).toEqual([]);
      // Armed in every CLI process (one per step) and in worker threads, where decoding runs.
      expect(new Set(events.filter((e) => e.thread === 0).map((e) => e.pid)).size).toBeGreaterThanOrEqual(
        steps.length,
      );
      expect(events.some((e) => e.thread > 0)).toBe(true);
    },
    420_000,
  );

  it.skipIf(!haveNetns)(
    'the whole pipeline completes inside a network namespace with only loopback',
    () => {
      const steps = runDriver('netns', config('netns'), [
        'unshare',
        '-n',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" "$@"',
      ]);
      expectAllSucceeded(steps);
    },
    420_000,
  );
});
