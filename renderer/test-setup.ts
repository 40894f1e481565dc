import '@testing-library/jest-dom/vitest';

// jsdom lays nothing out and has no ResizeObserver; Svelte's bind:clientWidth needs the constructor only.
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};
