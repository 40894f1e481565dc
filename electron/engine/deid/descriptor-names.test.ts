import { describe, expect, it } from 'vitest';
import { descriptorNames } from './descriptor-names.ts';

const found = (text: string) => descriptorNames(text).map((c) => text.slice(c.start, c.end));

describe('people named in DICOM descriptors without a title', () => {
  it('finds two or three name words after a word that introduces a person', () => {
    expect(found('Chest for Barnaby Featherstonehaugh')).toEqual(['Barnaby Featherstonehaugh']);
    expect(found('portable, tech: Anna Maria Kowalska')).toEqual(['Anna Maria Kowalska']);
    expect(found('CHEST PA READ BY ANNA KOWALSKA')).toEqual(['ANNA KOWALSKA']);
  });

  it('keeps descriptors whose words are medicine or not introduced as a person', () => {
    expect(found('XR CHEST FOR PNEUMONIA EVAL')).toEqual([]);
    expect(found('Chest for Pleural Effusion')).toEqual([]);
    expect(found('CHEST PA AND LATERAL')).toEqual([]);
    expect(found('Knee with Weight Bearing')).toEqual([]);
  });
});
