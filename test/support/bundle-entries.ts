// Every entry of a bundle (folder, tar or zip) with its bytes: for tests' small bundles only.
import { openBundle } from '../../electron/engine/export/bundle-source.ts';

export function bundleEntries(bundle: string): { name: string; data: Buffer }[] {
  const src = openBundle(bundle);
  try {
    return src.names.map((name) => ({ name, data: src.read(name) }));
  } finally {
    src.close();
  }
}
