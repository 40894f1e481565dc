// Per-machine preferences of the window (not of the project): kept in localStorage, never required.

const EXPORT_DIR_KEY = 'medprep.exportDir';

export function defaultExportDir(): string {
  try {
    return localStorage.getItem(EXPORT_DIR_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setDefaultExportDir(dir: string): void {
  try {
    if (dir.trim()) localStorage.setItem(EXPORT_DIR_KEY, dir.trim());
    else localStorage.removeItem(EXPORT_DIR_KEY);
  } catch {
    // storage disabled: the field simply starts empty next time
  }
}
