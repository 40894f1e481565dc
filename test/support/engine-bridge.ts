// The component tests' bridge: the real engine in-process, behind the same MedprepBridge the renderer gets
// from the preload or the WebSocket. No fake engine: what the views show is what the engine answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MedprepBridge } from '../../electron/api/contract.ts';
import { Engine } from '../../electron/engine/index.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const dicomFixtures = path.join(repoRoot, 'test', 'fixtures', 'dicom');

export interface EngineHarness {
  engine: Engine;
  bridge: MedprepBridge;
  /** A temp folder for this test's projects; removed by dispose. */
  tmp: string;
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
  return {
    engine,
    bridge,
    tmp,
    async dispose() {
      await engine.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
