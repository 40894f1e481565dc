import type { IconName } from './icons.ts';

/** The views of an open project, in pipeline order; `images` is Browse (its id predates the name). */
export type View =
  'overview' | 'import' | 'images' | 'deid' | 'curate' | 'sft' | 'export' | 'history' | 'models' | 'settings';

export const VIEWS: readonly { id: View; label: string; icon: IconName }[] = [
  { id: 'overview', label: 'Dashboard', icon: 'dashboard' },
  { id: 'import', label: 'Import', icon: 'import' },
  { id: 'images', label: 'Browse', icon: 'images' },
  { id: 'deid', label: 'De-identify', icon: 'deid' },
  { id: 'curate', label: 'Curate', icon: 'curate' },
  { id: 'sft', label: 'SFT', icon: 'sft' },
  { id: 'export', label: 'Export', icon: 'export' },
  { id: 'history', label: 'History', icon: 'history' },
  { id: 'models', label: 'Models', icon: 'models' },
  { id: 'settings', label: 'Settings', icon: 'settings' },
];
