import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appRoot, resourceFile } from './app-root.ts';

const proc = process as { resourcesPath?: string };
afterEach(() => {
  delete proc.resourcesPath;
});

describe('resourceFile', () => {
  it('finds shipped files under the app folder from source (plain Node, or `electron .`)', () => {
    expect(resourceFile('recipes', 'default.yaml')).toBe(
      path.join(appRoot(), 'resources', 'recipes', 'default.yaml'),
    );
    expect(fs.existsSync(resourceFile('dicom', 'ps3.15-e1-1.json'))).toBe(true);
    // Under `electron .` Electron's own resources folder does not hold the app: still the source layout.
    proc.resourcesPath = path.join(appRoot(), '..', 'elsewhere', 'resources');
    expect(resourceFile('recipes')).toBe(path.join(appRoot(), 'resources', 'recipes'));
  });

  it('finds them beside the archive when the app runs from inside the resources folder (packaged)', () => {
    // Packaged, the app is <resourcesPath>/app.asar and extraResources are <resourcesPath>/resources.
    proc.resourcesPath = path.dirname(appRoot());
    expect(resourceFile('recipes', 'sft-default.yaml')).toBe(
      path.join(path.dirname(appRoot()), 'resources', 'recipes', 'sft-default.yaml'),
    );
  });
});
