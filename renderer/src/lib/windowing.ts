// Window/level for the detail view: modality values to 8-bit grey, as a DICOM viewer does (PS3.3 C.11.2.1.2,
// the LINEAR function), drawn into RGBA for a canvas. Pure functions, so the maths is tested without a canvas.

export interface WindowLevel {
  center: number;
  width: number;
}

/** Writes RGBA pixels for `values` (1 or 3 channels per pixel) windowed at `wl`; `invert` flips grey. */
export function applyWindow(
  values: Float32Array,
  channels: 1 | 3,
  wl: WindowLevel,
  invert: boolean,
  out: Uint8ClampedArray,
): void {
  const width = Math.max(1, wl.width);
  const lo = wl.center - 0.5 - (width - 1) / 2;
  const scale = width > 1 ? 255 / (width - 1) : 0;
  const n = values.length / channels;
  if (channels === 1) {
    // Grey: one 32-bit store per pixel (RGBA bytes on a little-endian machine, as every supported one is).
    const px = new Uint32Array(out.buffer, out.byteOffset, n);
    for (let p = 0; p < n; p++) {
      const g = grey(values[p]!, lo, scale, wl.center, invert);
      px[p] = 0xff000000 | (g << 16) | (g << 8) | g;
    }
    return;
  }
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = grey(values[p * 3 + c]!, lo, scale, wl.center, invert);
    out[p * 4 + 3] = 255;
  }
}

/** One value through the window, rounded to 0–255 (a width of 1 is a threshold at the center). */
function grey(x: number, lo: number, scale: number, center: number, invert: boolean): number {
  let y = scale > 0 ? (x - lo) * scale : x > center ? 255 : 0;
  y = y < 0 ? 0 : y > 255 ? 255 : y;
  const g = (y + 0.5) | 0;
  return invert ? 255 - g : g;
}

/**
 * Dragging: right widens the window, down raises the level (the convention of PACS viewers). One screen
 * pixel moves by a 1/256 of the value range, so a drag across the image sweeps the whole range.
 */
export function dragWindow(start: WindowLevel, dx: number, dy: number, range: number): WindowLevel {
  const step = Math.max(range, 1) / 256;
  return { center: start.center + dy * step, width: Math.max(1, start.width + dx * step) };
}

/** Zoom stays between a quarter and 16× of the fitted size. */
export function clampZoom(z: number): number {
  return Math.min(16, Math.max(0.25, z));
}

/** A window value for display: integers as they are, others with up to 4 significant digits. */
export function formatLevel(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
