import fs from 'node:fs';
import sharp from 'sharp';
import { ModelRunner } from './native-models/index.ts';
import { dicomViews, rasterViews, readPixelText } from './electron/engine/burned-text/index.ts';
import { parseDicom, prepareDecoding } from './electron/engine/dicom/index.ts';
const r = new ModelRunner({ device: 'cpu' });
const known = { patientNames: ['DOE^JOHN'], patientIds: ['48213377'], birthDate: '19610314' };
for (const f of fs.readdirSync('test/fixtures/burned-text')) {
  const p = 'test/fixtures/burned-text/' + f;
  let views;
  if (f.endsWith('.png')) {
    const { data, info } = await sharp(p).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    views = rasterViews(info.width, info.height, 3, new Uint8Array(data));
  } else { const file = parseDicom(fs.readFileSync(p)); await prepareDecoding(file); views = dicomViews(file); }
  const t = performance.now();
  const res = await readPixelText(r, 'paddleocr-ppocrv4', views, known);
  console.log(f, views.map((v) => v.kind + v.frame).join(','), Math.round(performance.now() - t), 'ms');
  for (const d of res.decisions) console.log('   ', d.frame, d.view, d.category, JSON.stringify(d.text), d.score.toFixed(2), d.x, d.y, d.width, d.height, d.rotation);
}
r.close();
