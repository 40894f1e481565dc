// The component tests' bridge: the real engine in-process, behind the same MedprepBridge the renderer gets
// from the preload or the WebSocket. No fake engine: what the views show is what the engine answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MedprepBridge } from '../../electron/api/contract.ts';
import { Engine } from '../../electron/engine/index.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const dicomFixtures = path.join(repoRoot, 'test', 'fixtures', 'dicom');

/** How many files an import of the fixtures folder reads. */
/** Files the import will see in the fixtures folder (the walk is recursive). */
export function dicomFixtureCount(): number {
  return (fs.readdirSync(dicomFixtures, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter(
    (d) => d.isFile(),
  ).length;
}

export interface EngineHarness {
  engine: Engine;
  bridge: MedprepBridge;
  /** A temp folder for this test's projects; removed by dispose. */
  tmp: string;
  /** A path inside tmp (renderer tests cannot import node:path themselves). */
  at(...parts: string[]): string;
  /** Creates a folder inside tmp with one file in it, and returns its path. */
  nonEmptyFolder(name: string): string;
  dispose(): Promise<void>;
}

export function startEngine(): EngineHarness {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-ui-'));
  const engine = new Engine({ sampleProjectDir: path.join(tmp, 'sample-project') });
  const bridge: MedprepBridge = {
    front: 'browser',
    invoke: (channel, args) => engine.invoke(channel, args),
    on: (event, listener) => engine.on(event, listener),
  };
  // Media URLs (thumbnails, detail values) as the fronts serve them: through the engine's resolver.
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (!url.startsWith('media/')) return realFetch(input, init);
    const file = engine.resolveMedia(`/${url}`);
    return file ? new Response(fs.readFileSync(file)) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return {
    engine,
    bridge,
    tmp,
    at: (...parts) => path.join(tmp, ...parts),
    nonEmptyFolder(name) {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a project\n');
      return dir;
    },
    async dispose() {
      globalThis.fetch = realFetch;
      await engine.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
