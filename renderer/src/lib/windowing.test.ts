import { describe, expect, it } from 'vitest';
import { applyWindow, clampZoom, dragWindow } from './windowing.ts';

function grey(values: number[], center: number, width: number, invert = false): number[] {
  const out = new Uint8ClampedArray(values.length * 4);
  applyWindow(Float32Array.from(values), 1, { center, width }, invert, out);
  return values.map((_, i) => out[i * 4]!);
}

describe('window/level', () => {
  it('maps the window linearly onto 0–255 and clips outside it, in modality units', () => {
    // A lung window on CT values (Hounsfield units): -1000 air is black, +200 soft tissue white.
    expect(grey([-2000, -1000, -400, 200, 3000], -400, 1200)).toEqual([0, 0, 128, 255, 255]);
    // 12-bit values: a narrow window spreads values an 8-bit PNG would have merged into one grey.
    expect(grey([2045, 2047, 2050, 2053, 2055], 2050, 8)).toEqual([0, 36, 146, 255, 255]);
  });

  it('inverts for MONOCHROME1 and on request, and keeps alpha opaque', () => {
    expect(grey([-10, 200], 50, 101, true)).toEqual([255, 0]);
    const out = new Uint8ClampedArray(4);
    applyWindow(Float32Array.from([5]), 1, { center: 5, width: 1 }, false, out);
    expect(out[3]).toBe(255);
  });

  it('windows each channel of a colour image', () => {
    const out = new Uint8ClampedArray(4);
    applyWindow(Float32Array.from([0, 128, 255]), 3, { center: 128, width: 256 }, false, out);
    expect([...out]).toEqual([0, 128, 255, 255]);
  });

  it('dragging right widens, down raises the level, never below width 1', () => {
    expect(dragWindow({ center: 100, width: 200 }, 256, 0, 4096)).toEqual({ center: 100, width: 4296 });
    expect(dragWindow({ center: 100, width: 200 }, 0, 10, 256)).toEqual({ center: 110, width: 200 });
    expect(dragWindow({ center: 100, width: 200 }, -1000, 0, 256).width).toBe(1);
    expect(clampZoom(100)).toBe(16);
    expect(clampZoom(0.01)).toBe(0.25);
  });
});
