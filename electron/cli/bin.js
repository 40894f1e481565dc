#!/usr/bin/env node
// The `medprep` command. Plain JavaScript so it can check the Node version before loading TypeScript
// sources, which Node >= 22.18 runs directly (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `medprep: Node ${process.versions.node} is too old; MedPrep needs Node >= 22.18 (24 LTS recommended).\n`,
  );
  process.exit(1);
}
// A bug that escapes every handler prints its kind, never its message or stack: those can carry a value or
// a path from the data (a folder named after a patient). MEDPREP_DEBUG=1 prints everything, on request.
const crash = (err) => {
  if (process.env.MEDPREP_DEBUG === '1') process.stderr.write(`${err?.stack ?? err}\n`);
  const kind = [err?.name ?? typeof err, typeof err?.code === 'string' ? err.code : ''].filter(Boolean);
  process.stderr.write(
    `medprep: internal error (${kind.join(' ')}); what was committed before it stays. ` +
      'Set MEDPREP_DEBUG=1 to see the details (they may name files).\n',
  );
  process.exit(70);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// Node's compile cache (OS temp folder) keeps the type-stripped, compiled engine between runs: about
// 130 ms less start-up per command. Worker threads turn it on themselves (engine/jobs/worker-pool.ts).
(await import('node:module')).enableCompileCache?.();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
