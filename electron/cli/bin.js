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
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
