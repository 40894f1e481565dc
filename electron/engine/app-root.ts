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

/**
 * The one way to find a file that ships in `resources/` (the PS3.15 table, recipes, sample data). From source
 * or a build it is `<appRoot>/resources`. In the packaged app the code is inside `<resourcesPath>/app.asar`
 * and electron-builder's extraResources puts the folder beside it, in `<resourcesPath>/resources`. Electron
 * sets `process.resourcesPath` in every process (main, utility); under `electron .` it points into
 * node_modules/electron, which does not hold the app, so the source layout applies there.
 */
export function resourceFile(...parts: string[]): string {
  const root = appRoot();
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  const rel = packaged === undefined ? '' : path.relative(packaged, root);
  const inPackage = rel !== '' && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..';
  return path.join(inPackage ? packaged! : root, 'resources', ...parts);
}

export function appVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
