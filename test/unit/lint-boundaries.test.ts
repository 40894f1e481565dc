import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/dicom-tree.ts';

// The lint configuration is what keeps the worlds apart; these tests prove the rules bite.
const eslint = new ESLint({ cwd: repoRoot });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse-error');
}

describe('lint boundaries', () => {
  it('stop the renderer from importing Node or Electron, or the engine itself', async () => {
    expect(await ruleIds('renderer/src/x.ts', "import fs from 'node:fs';\nvoid fs;\n")).toContain(
      'no-restricted-imports',
    );
    expect(
      await ruleIds('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nvoid ipcRenderer;\n"),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds(
        'renderer/src/x.ts',
        "import { Engine } from '../../electron/engine/index.ts';\nvoid Engine;\n",
      ),
    ).toContain('no-restricted-imports');
  });

  it('let the renderer import the API contract', async () => {
    expect(
      await ruleIds(
        'renderer/src/x.ts',
        "import { CHANNELS } from '../../electron/api/contract.ts';\nvoid CHANNELS;\n",
      ),
    ).toEqual([]);
  });

  it('stop the engine from importing Electron or any network module, or calling fetch', async () => {
    expect(await ruleIds('electron/engine/x.ts', "import { app } from 'electron';\nvoid app;\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('electron/engine/x.ts', "import http from 'node:http';\nvoid http;\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('electron/engine/x.ts', "void fetch('http://example.com');\n")).toContain(
      'no-restricted-globals',
    );
  });
});
