import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding MedPrep's package.json, found from this module (works from source, a build, or asar). */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (
      fs.existsSync(pkg) &&
      (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'medprep'
    )
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('MedPrep package.json not found above the engine');
    dir = up;
  }
}

export function appVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
