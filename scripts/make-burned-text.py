#!/usr/bin/python3
"""Synthetic radiographs with burned-in text, written by pydicom (DICOM) and Pillow (PNG).

  /usr/bin/python3 scripts/make-burned-text.py fixtures          -> test/fixtures/burned-text/ (the unit tests' few)
  /usr/bin/python3 scripts/make-burned-text.py bench DIR N CLEAN SEED
      -> DIR/*.dcm|png + DIR/truth.json: N radiographs with text, then CLEAN without (markers only, or nothing)

Each image: a chest-like background (lungs, mediastinum, ribs, noise) in 12 bits; text drawn with DejaVu Sans
(Pillow) at a size, position, angle (0/90/180/270), contrast, frame and colour; truth.json lists every line
with its box in image pixels, its frame and whether it is an identifier or a marker. Deterministic per seed.
"""
import json
import os
import random
import sys
import zlib

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
UID_ROOT = '1.2.826.0.1.3680043.10.1234.19.'
CR = '1.2.840.10008.5.1.4.1.1.1'
SC = '1.2.840.10008.5.1.4.1.1.7'

FIRST = ['JOHN', 'MARIA', 'AHMED', 'LINDA', 'KENJI', 'OLGA', 'PIERRE', 'FATIMA', 'CARLOS', 'INGRID']
LAST = ['DOE', 'SCHMIDT', 'OKAFOR', 'MOREAU', 'TANAKA', 'KOWALSKI', 'HENDERSON', 'NAKAMURA', 'BRANDT', 'SILVA']
MARKERS = ['L', 'R', 'PA', 'AP', 'PORTABLE', 'SUPINE', 'ERECT', 'AP PORTABLE', 'LAT']


def radiograph(rng, rows, cols):
    """A chest-like 12-bit picture: bright body, dark lungs, a mediastinum, rib arcs and noise."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    cy, cx = rows / 2, cols / 2
    img = 2600 - 900 * (((x - cx) / cols) ** 2 + ((y - cy) / rows) ** 2) * 4
    for side in (-1, 1):
        lx = cx + side * cols * rng.uniform(0.17, 0.22)
        inside = ((x - lx) / (cols * 0.16)) ** 2 + ((y - cy * 0.95) / (rows * 0.32)) ** 2 < 1
        img[inside] -= rng.uniform(900, 1300)
    img[np.abs(x - cx) < cols * 0.06] += 500
    for k in range(8):
        ry = rows * (0.25 + k * 0.07)
        arc = np.abs(y - (ry + ((x - cx) / cols) ** 2 * rows * 0.5)) < rows * 0.008
        img[arc] += 250
    img += rng.normal(0, 60, size=img.shape)
    # Collimation: a dark border, as most radiographs have.
    b = int(min(rows, cols) * 0.03)
    img[:b, :] = img[-b:, :] = 200
    img[:, :b] = img[:, -b:] = 200
    return np.clip(img, 0, 4095)


def text_layer(text, size, angle):
    """The text as a 0/1 array, turned `angle` degrees clockwise."""
    font = ImageFont.truetype(FONT, size)
    left, top, right, bottom = font.getbbox(text)
    im = Image.new('L', (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(im).text((2 - left, 2 - top), text, font=font, fill=255)
    turn = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    if turn[angle] is not None:
        im = im.transpose(turn[angle])
    return (np.asarray(im) > 96).astype(np.uint8)


def place(rng, occupied, rows, cols, h, w):
    """A free spot for an h x w box (tries the edges first, where annotations sit), or None."""
    for _ in range(60):
        y = rng.randint(0, max(0, rows - h))
        x = rng.randint(0, max(0, cols - w))
        if all(y + h + 4 < oy or oy + oh + 4 < y or x + w + 4 < ox or ox + ow + 4 < x for oy, ox, oh, ow in occupied):
            occupied.append((y, x, h, w))
            return y, x
    return None


def dicom(path, frames, bits_stored=12, window=None, patient=('DOE^JOHN', '48213377'), rgb=False):
    rows, cols = frames[0].shape[:2]
    meta = FileMetaDataset()
    n = zlib.crc32(os.path.basename(path).encode())
    meta.MediaStorageSOPClassUID = SC if rgb else CR
    meta.MediaStorageSOPInstanceUID = f'{UID_ROOT}{n}.1'
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = f'{UID_ROOT}{n}.2'
    ds.SeriesInstanceUID = f'{UID_ROOT}{n}.3'
    ds.PatientName, ds.PatientID = patient
    ds.PatientBirthDate = '19610314'
    ds.StudyDate = '20200102'
    ds.Modality = 'OT' if rgb else 'CR'
    ds.Rows, ds.Columns = rows, cols
    if rgb:
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, 'RGB', 0
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
    else:
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, bits_stored, bits_stored - 1
    ds.PixelRepresentation = 0
    if len(frames) > 1:
        ds.NumberOfFrames = len(frames)
    if window:
        ds.WindowCenter, ds.WindowWidth = window
    ds.PixelData = np.stack(frames).astype(np.uint8 if rgb else np.uint16).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)


def fixtures():
    out = os.path.join(ROOT, 'test', 'fixtures', 'burned-text')
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(19)
    S = 320

    def burn(img, text, y, x, size, angle, value):
        t = text_layer(text, size, angle)
        img[y:y + t.shape[0], x:x + t.shape[1]][t > 0] = value
        return img

    # A name turned 90 degrees along the right edge, the MRN upright, and markers to keep.
    img = radiograph(rng, S, S)
    burn(img, 'DOE^JOHN', 40, 285, 18, 90, 4095)
    burn(img, 'MRN 48213377', 14, 14, 16, 0, 4095)
    burn(img, 'PORTABLE', 290, 14, 16, 0, 4095)
    burn(img, 'L', 150, 20, 28, 0, 4095)
    dicom(os.path.join(out, 'turned-name.dcm'), [img])
    # Three frames; only the second carries the name.
    frames = [radiograph(rng, S, S) for _ in range(3)]
    burn(frames[1], 'DOE^JOHN 1961-03-14', 20, 20, 16, 0, 4095)
    dicom(os.path.join(out, 'frame-two.dcm'), frames)
    # The MRN in values below the display window: black on black as displayed.
    img = radiograph(rng, S, S)
    img[10:40, 10:200] = 20
    burn(img, '48213377', 14, 16, 18, 0, 120)
    dicom(os.path.join(out, 'below-window.dcm'), [img], window=('2000', '2000'))
    # The name in bit 13 of a 12-bit image (bits 12-15 are unused).
    img = radiograph(rng, S, S).astype(np.uint16)
    t = text_layer('DOE^JOHN', 20, 0)
    img[200:200 + t.shape[0], 40:40 + t.shape[1]] |= (t.astype(np.uint16) << 13)
    dicom(os.path.join(out, 'high-bit.dcm'), [img])
    # Red text on grey of the same luminance, in an RGB PNG.
    grey = (radiograph(rng, S, S) / 16).astype(np.uint8)
    rgb = np.stack([grey] * 3, axis=-1)
    t = text_layer('DOE^JOHN', 20, 0)
    region = rgb[260:260 + t.shape[0], 30:30 + t.shape[1]]
    lum = region.mean(axis=-1)
    red = np.stack([np.clip(lum / 0.299 * 0.6, 0, 255), lum * 0.55, lum * 0.2], axis=-1)
    lum_red = red @ np.array([0.299, 0.587, 0.114])
    red *= (lum / np.maximum(lum_red, 1))[..., None]
    region[t > 0] = np.clip(red, 0, 255).astype(np.uint8)[t > 0]
    Image.fromarray(rgb).save(os.path.join(out, 'red-name.png'))
    # A radiograph without text.
    dicom(os.path.join(out, 'clean.dcm'), [radiograph(rng, S, S)])


def bench(out, n, n_clean, seed):
    os.makedirs(out, exist_ok=True)
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    truth = []
    for i in range(n + n_clean):
        rows = r.choice([512, 768, 1024, 1536, 2048])
        cols = int(rows * r.uniform(0.8, 1.2)) // 2 * 2
        clean = i >= n
        nframes = 1 if clean or r.random() < 0.7 else r.randint(2, 3)
        frames = [radiograph(rng, rows, cols) for _ in range(nframes)]
        kind = 'clean' if clean else r.choice(['bright', 'bright', 'dim', 'below-window', 'colour', 'high-bit'])
        first, last = r.choice(FIRST), r.choice(LAST)
        mrn = str(r.randint(10**6, 10**8 - 1))
        lines = []
        if not clean:
            lines.append((f'{last}^{first}', 'identifier'))
            lines.append((f'MRN {mrn}', 'identifier'))
            lines.append((f'DOB {r.randint(1930, 2005)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}', 'identifier'))
        if r.random() < 0.8:
            lines.append((r.choice(MARKERS), 'marker'))
        occupied = []
        rec = {'file': None, 'rows': rows, 'columns': cols, 'frames': nframes, 'kind': kind, 'lines': [],
               'patient': {'name': f'{last}^{first}', 'id': mrn}}
        rgb = None
        if kind == 'colour':
            grey = (frames[0] / 16).astype(np.uint8)
            rgb = np.stack([grey] * 3, axis=-1)
        window = None
        if kind == 'below-window':
            window = ('2300', '1800')
        for text, role in lines:
            size = max(12, int(rows * r.uniform(0.014, 0.03)))
            angle = r.choice([0, 0, 0, 90, 180, 270]) if role == 'identifier' else 0
            t = text_layer(text, size, angle)
            spot = place(r, occupied, rows, cols, t.shape[0], t.shape[1])
            if spot is None:
                continue
            y, x = spot
            frame = r.randrange(nframes)
            f = frames[frame]
            sub = f[y:y + t.shape[0], x:x + t.shape[1]]
            if kind == 'dim':
                sub[t > 0] = sub[t > 0] + r.uniform(250, 500)
            elif kind == 'below-window':
                f[max(0, y - 4):y + t.shape[0] + 4, max(0, x - 4):x + t.shape[1] + 4] = 40
                sub = f[y:y + t.shape[0], x:x + t.shape[1]]
                sub[t > 0] = 300
            elif kind == 'high-bit':
                pass
            elif kind != 'colour':
                sub[t > 0] = 4095
            if kind == 'high-bit':
                rec.setdefault('highbit', []).append((y, x, t.tolist()))
            if kind == 'colour':
                region = rgb[y:y + t.shape[0], x:x + t.shape[1]].astype(np.float32)
                lum = region.mean(axis=-1)
                colour = np.array(r.choice([[1.0, 0.35, 0.1], [0.1, 0.9, 0.3], [0.9, 0.8, 0.1]]), dtype=np.float32)
                paint = lum[..., None] * colour / float(colour @ np.array([0.299, 0.587, 0.114]))
                region[t > 0] = np.clip(paint, 0, 255)[t > 0]
                rgb[y:y + t.shape[0], x:x + t.shape[1]] = region.astype(np.uint8)
                frame = 0
            rec['lines'].append({'text': text, 'role': role, 'x': x, 'y': y, 'width': int(t.shape[1]),
                                 'height': int(t.shape[0]), 'angle': angle, 'frame': frame})
        if kind == 'colour':
            name = f'{i:04d}.png'
            Image.fromarray(rgb).save(os.path.join(out, name))
            rec['frames'] = 1
        else:
            name = f'{i:04d}.dcm'
            pix = [f.astype(np.uint16) for f in frames]
            for y, x, t in rec.pop('highbit', []):
                t = np.array(t, dtype=np.uint16)
                for line in rec['lines']:
                    if line['y'] == y and line['x'] == x:
                        pix[line['frame']][y:y + t.shape[0], x:x + t.shape[1]] |= (t << 14)
            dicom(os.path.join(out, name), pix, window=window, patient=(f'{last}^{first}', mrn))
        rec['file'] = name
        truth.append(rec)
    with open(os.path.join(out, 'truth.json'), 'w') as fh:
        json.dump(truth, fh, indent=1)


if __name__ == '__main__':
    if sys.argv[1:2] == ['fixtures']:
        fixtures()
    elif sys.argv[1:2] == ['bench'] and len(sys.argv) == 6:
        bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
