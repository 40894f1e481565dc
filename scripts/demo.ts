// `npm run demo`: the pipeline on the bundled sample data, through the real CLI, as a user would run it.
// Each stage that has landed runs; the ones still to come say so instead of pretending.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'out', 'demo'));
const project = path.join(out, 'project');
const cli = path.join(root, 'electron', 'cli', 'bin.js');

function medprep(...args: string[]): string {
  console.log(`$ medprep ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) {
    console.error(`demo: medprep ${args[0]} exited with ${r.status}`);
    process.exit(1);
  }
  process.stdout.write(r.stdout);
  return r.stdout;
}

fs.rmSync(project, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
medprep('init', project, '--name', 'MedPrep demo');
medprep('import', project, path.join(root, 'resources', 'sample-data', 'mimic-cxr'));
medprep('import', project, path.join(root, 'resources', 'sample-data', 'padchest'));
medprep('stats', project);
console.log(`\nProject: ${project}`);
console.log(
  'Bundle: not written yet — de-identification, curation, SFT and export are still to land (see the README).',
);
console.log(`Browse it: npx medprep serve ${project}`);
