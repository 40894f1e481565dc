import { describe, expect, it } from 'vitest';
import { decodeText, parseCharacterSet } from '../dicom/index.ts';
import { encodeCharset } from './charset-encode.ts';

const roundTrip = (terms: string[], text: string): string => {
  const cs = parseCharacterSet(terms);
  return decodeText(encodeCharset(text, cs.encodings), cs);
};

describe('cleaned text written back in the dataset character set', () => {
  it('keeps Japanese, Chinese, Korean and Latin-1 text through a round trip, placeholders included', () => {
    const cases: [string[], string][] = [
      [['', 'ISO 2022 IR 87'], 'Yamada^Tarou=[NAME]^太郎=やまだ^たろう 胸部'],
      [['GB18030'], '胸部X光 [NAME] 复查'],
      [['', 'ISO 2022 IR 149'], '흉부 [NAME] 검사'],
      [['ISO_IR 100'], 'Thorax pa, Zürich [NAME]'],
      [['ISO_IR 192'], 'Грудная клетка [NAME] 胸部'],
    ];
    for (const [terms, text] of cases) expect(roundTrip(terms, text), terms.join('\\')).toBe(text);
  });

  it('writes JIS X 0208 between ESC $ B and ESC ( B, and plain ASCII without escapes', () => {
    const bytes = Buffer.from(encodeCharset('A山B', ['latin1', 'iso-2022-jp']));
    expect(bytes.toString('hex')).toBe(`41${'1b2442'}3b33${'1b2842'}42`);
    expect(Buffer.from(encodeCharset('[NAME]', ['gb18030'])).toString('latin1')).toBe('[NAME]');
  });
});
