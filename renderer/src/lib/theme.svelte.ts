// Light and dark themes: the system's choice by default, or the user's (kept in localStorage, per machine).
// The resolved theme is the `data-theme` attribute of <html>; app.css keys every colour on it.

export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'medprep.theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return (THEME_CHOICES as readonly string[]).includes(v ?? '') ? (v as ThemeChoice) : 'system';
  } catch {
    return 'system'; // storage can be disabled; the system's choice still applies
  }
}

function systemDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

class Theme {
  choice = $state<ThemeChoice>(stored());
  private systemIsDark = $state(systemDark());
  resolved = $derived<'light' | 'dark'>(
    this.choice === 'system' ? (this.systemIsDark ? 'dark' : 'light') : this.choice,
  );

  /** Applies the theme now and follows the system's changes; call once at start. */
  start(root: HTMLElement = document.documentElement): () => void {
    const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    const onChange = () => (this.systemIsDark = systemDark());
    media?.addEventListener('change', onChange);
    const stop = $effect.root(() => {
      $effect(() => {
        root.dataset.theme = this.resolved;
        root.style.colorScheme = this.resolved;
      });
    });
    return () => {
      media?.removeEventListener('change', onChange);
      stop();
    };
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // not persisted; the choice holds for this window
    }
  }
}

export const theme = new Theme();
