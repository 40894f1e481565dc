import { describe, expect, it } from 'vitest';
import {
  errorCode,
  errorMessage,
  formatCount,
  formatDicomDate,
  formatEta,
  formatRate,
  formatWindow,
  transferSyntaxLabel,
} from './format.ts';

describe('display formats', () => {
  it('shows time left as m:ss, h:mm:ss past an hour, and a dash while unknown', () => {
    expect(formatEta(0)).toBe('0:00');
    expect(formatEta(45.4)).toBe('0:45');
    expect(formatEta(125)).toBe('2:05');
    expect(formatEta(3725)).toBe('1:02:05');
    expect(formatEta(null)).toBe('—');
  });

  it('shows rates with a precision that suits their size', () => {
    expect(formatRate(0)).toBe('0 files/s');
    expect(formatRate(3.456)).toBe('3.46 files/s');
    expect(formatRate(84.37)).toBe('84.4 files/s');
    expect(formatRate(1234.5)).toBe('1235 files/s');
  });

  it('shows counts, DICOM dates, windows and transfer syntaxes readably', () => {
    expect(formatCount(12345)).toBe('12,345');
    expect(formatDicomDate('20240102')).toBe('2024-01-02');
    expect(formatDicomDate('2024')).toBe('2024');
    expect(formatDicomDate(null)).toBe('—');
    expect(formatWindow(40, 400)).toBe('C 40 / W 400');
    expect(formatWindow(null, 400)).toBe('—');
    expect(transferSyntaxLabel('1.2.840.10008.1.2.1')).toBe('Explicit VR Little Endian');
    expect(transferSyntaxLabel('1.2.3')).toBe('Other transfer syntax');
  });

  it('reads the message and code of whatever a front threw', () => {
    const err = Object.assign(new Error('No project is open.'), { code: 'no-project' });
    expect(errorMessage(err)).toBe('No project is open.');
    expect(errorCode(err)).toBe('no-project');
    expect(errorCode(new Error('plain'))).toBeNull();
    expect(errorMessage('text')).toBe('text');
  });
});
