/**
 * Mask rules as data: which rectangles to blank for which images, whatever the detector says. The
 * shape follows RSNA CTP's DicomPixelAnonymizer.script (a condition on Modality, Manufacturer, model
 * and matrix size, then rectangles). MedPrep ships only rules whose coordinates it can justify; vendor
 * rules must be added with their source (a CTP script line or a conformance statement) in `source`.
 */
import type { MaskRect } from './masks.ts';

export interface MaskRule {
  id: string;
  modality?: string;
  /** Case-insensitive substring of Manufacturer (0008,0070). */
  manufacturer?: string;
  /** Case-insensitive substring of Manufacturer's Model Name (0008,1090). */
  model?: string;
  rows?: number;
  columns?: number;
  /** `pixels`: absolute; `fraction`: of the image's columns (x, width) and rows (y, height). */
  units: 'pixels' | 'fraction';
  rects: MaskRect[];
  source: string;
}

export const MASK_RULES: MaskRule[] = [
  {
    id: 'us-header-band',
    modality: 'US',
    units: 'fraction',
    rects: [{ x: 0, y: 0, width: 1, height: 0.08 }],
    source:
      'MedPrep: ultrasound scanners print patient and exam data in a band across the top; applied only ' +
      'when the caller asks for rule masks (US images are quarantined for review regardless).',
  },
];
