// The whole pipeline through the real `medprep` command, as a script so a test can run it under a tracer
// (strace), in a network namespace (unshare -n) or with a preload in every child (MEDPREP_CHILD_NODE_OPTIONS):
// init, import of every source, deid, curate, sft, export, verify, models check with the tiny test models,
// and browser mode serving a few requests. Writes every step's exit code, stdout and stderr to OUT.json.
//
//   node test/reliability/support/net-pipeline.ts CONFIG.json OUT.json
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface PipelineConfig {
  project: string;
  bundle: string;
  sources: { path: string; format: string }[];
  modelsDir: string;
  /** Add --json to every command. */
  json: boolean;
  serve: boolean;
  /** Extra environment for every CLI child (e.g. NODE_OPTIONS with a preload). */
  env?: Record<string, string>;
}

export interface StepResult {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

const bin = path.resolve(import.meta.dirname, '..', '..', '..', 'electron', 'cli', 'bin.js');

function run(cfg: PipelineConfig, args: string[]): StepResult {
  const full = cfg.json ? [...args, '--json'] : args;
  const r = spawnSync(process.execPath, [bin, ...full], {
    encoding: 'utf8',
    env: { ...process.env, MEDPREP_MODELS_DIR: cfg.modelsDir, ...cfg.env },
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  return { args: full, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `medprep serve`, fetches the page, a script and a thumbnail-less API miss, then stops it. */
async function serveBriefly(cfg: PipelineConfig): Promise<StepResult> {
  const args = ['serve', cfg.project, '--port', '0', '--json'];
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, MEDPREP_MODELS_DIR: cfg.modelsDir, ...cfg.env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${stderr}`));
    }, 60_000);
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
  });
  const page = await fetch(url, { redirect: 'manual' });
  const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
  const base = new URL(url).origin;
  const html = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  const script = /src="([^"]+\.js)"/u.exec(html)?.[1];
  const asset = script ? await fetch(new URL(script, base), { headers: { cookie } }) : null;
  const denied = await fetch(`${base}/`, { headers: { cookie: 'medprep=wrong' } });
  stdout += `\nGET / ${page.status}; with cookie ${html.length} bytes; script ${asset?.status}; bad cookie ${denied.status}\n`;
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { args, code, stdout, stderr };
}

export async function runPipeline(cfg: PipelineConfig): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  const step = (args: string[]) => {
    const r = run(cfg, args);
    steps.push(r);
    return r;
  };
  step(['init', cfg.project, '--name', 'Offline']);
  for (const s of cfg.sources) step(['import', cfg.project, s.path, '--format', s.format]);
  step(['deid', cfg.project, '--progress', 'json']);
  step(['curate', cfg.project]);
  step(['sft', cfg.project]);
  step(['export', cfg.project, cfg.bundle, '--format', 'llava']);
  step(['verify', cfg.bundle, '--project', cfg.project]);
  step(['stats', cfg.project]);
  step(['jobs', cfg.project]);
  step(['models', 'check', 'test-ner']);
  if (cfg.serve) steps.push(await serveBriefly(cfg));
  return steps;
}

if (process.argv[1] === import.meta.filename) {
  const [configFile, outFile] = process.argv.slice(2) as [string, string];
  const cfg = JSON.parse(fs.readFileSync(configFile, 'utf8')) as PipelineConfig;
  const steps = await runPipeline(cfg);
  fs.writeFileSync(outFile, JSON.stringify(steps, null, 1));
}
