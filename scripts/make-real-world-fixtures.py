#!/usr/bin/python3
"""Generate the fixtures of what real archives hold (test/fixtures/dicom/real-world/) and what pydicom reads.

Run with Debian's python (pydicom 2.3, numpy, python3-gdcm):  /usr/bin/python3 scripts/make-real-world-fixtures.py
Needs dcmtk (dcmcjpeg, dcmdjpeg, dcmcrle, dcmcjpls) on PATH. Deterministic: fixed UIDs and pixel values.

The files: attributes stored with VR UN (as an implicit-VR hop through a PACS leaves them), a Modality LUT
beside rescale values, PALETTE COLOR in each LUT form (16-bit entries, 8-bit entries packed and in words,
65,536 entries, a first mapped value, segmented, RLE and JPEG-LS), Float and Double Float Pixel Data, 1-bit
native and JPEG 2000, and the retired progressive JPEG syntaxes (.53, .55) with dcmdjpeg's decoding beside
them as `.ref.dcm`.

expectations.json holds per file what pydicom gives: the stored values' hash per frame (as pixelHash), the
modality values (pydicom's apply_modality_lut) as a hash of float64 values plus the first few, the colours of
PALETTE COLOR (apply_color_lut) hashed as pixelHash hashes an RGB frame, and float samples hashed as
pixelHash hashes them.
"""
import hashlib
import importlib.util
import json
import os
import struct
import subprocess

import numpy as np
import pydicom
from pydicom.dataelem import DataElement
from pydicom.pixel_data_handlers.util import apply_color_lut, apply_modality_lut

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'dicom', 'real-world')

_spec = importlib.util.spec_from_file_location('fixtures', os.path.join(ROOT, 'scripts', 'make-test-fixtures.py'))
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)
fixtures.OUT = OUT  # save() and path() write here

CT = fixtures.CT
SC = fixtures.SC
PT = '1.2.840.10008.5.1.4.1.1.128'
PARAMETRIC_MAP = '1.2.840.10008.5.1.4.1.1.30'
SEG = '1.2.840.10008.5.1.4.1.1.66.4'
J2K_LOSSLESS = '1.2.840.10008.1.2.4.90'
RLE_LOSSLESS = '1.2.840.10008.1.2.5'
FIRST_NUMBER = 500  # fixture numbers (UIDs) apart from make-test-fixtures.py's


def path(name):
    return os.path.join(OUT, name)


def un(ds, tag, raw):
    """Store an attribute as UN: its value bytes as implicit VR little endian would hold them."""
    el = DataElement(tag, 'OB', raw)  # as OB first: pydicom would convert a UN value of a known tag
    el.VR = 'UN'
    ds.add(el)


def implicit_item_bytes(elements):
    """One defined-length item of (tag, raw value) pairs in implicit VR little endian."""
    body = b''.join(struct.pack('<HHI', t >> 16, t & 0xFFFF, len(v)) + v for t, v in elements)
    return struct.pack('<HHI', 0xFFFE, 0xE000, len(body)) + body


def gray_image(ds, pixels, bits_stored=12, signed=False):
    fixtures.image(ds, pixels, 16, bits_stored, signed, 'MONOCHROME2')


def make_un():
    # CT: Rescale Intercept/Slope and a window stored as UN; text (description, patient name) as UN; a
    # sequence as UN whose item is implicit VR little endian.
    ds = fixtures.base(CT, FIRST_NUMBER + 1, 'CT')
    gray_image(ds, fixtures.ramp(32, 32, 3000) - 1000, bits_stored=16, signed=True)
    un(ds, 0x00281052, b'-1024 ')
    un(ds, 0x00281053, b'1 ')
    un(ds, 0x00281050, b'40')
    un(ds, 0x00281051, b'400 ')
    un(ds, 0x0008103E, b'UN series text')
    del ds.PatientName
    un(ds, 0x00100010, b'Unknown^Vr')
    item = implicit_item_bytes([(0x00081150, b'1.2.840.10008.5.1.4.1.1.2\0'), (0x00081155, b'1.2.3.4\0')])
    un(ds, 0x00081140, item)  # Referenced Image Sequence
    fixtures.save(ds, 'un_ct.dcm')

    # PET: a slope of 1.94 stored as UN must not be dropped.
    ds = fixtures.base(PT, FIRST_NUMBER + 2, 'PT')
    gray_image(ds, fixtures.ramp(16, 16, 30000), bits_stored=16)
    un(ds, 0x00281052, b'0 ')
    un(ds, 0x00281053, b'1.94')
    fixtures.save(ds, 'un_pet_slope.dcm')


def make_modality_lut():
    # A Modality LUT Sequence beside rescale values (PS3.3 allows one or the other): the LUT wins in pydicom.
    ds = fixtures.base(fixtures.CR, FIRST_NUMBER + 3, 'CR')
    gray_image(ds, fixtures.ramp(32, 32, 4095))
    item = pydicom.Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    item.add(DataElement(tag('LUTData'), 'US', [int(round(np.sqrt(v) * 1000)) for v in range(4096)]))
    item.ModalityLUTType = 'OD'
    ds.ModalityLUTSequence = pydicom.Sequence([item])
    ds.RescaleSlope = 2
    ds.RescaleIntercept = -100
    fixtures.save(ds, 'modality_lut_and_rescale.dcm')


def palette_tables(entries, top):
    k = np.arange(entries, dtype=np.float64) / max(1, entries - 1)
    red = np.round(k * top)
    green = np.round((1 - k) * top)
    blue = np.round(np.abs(np.sin(k * np.pi * 3)) * top)
    return [t.astype(np.int64) for t in (red, green, blue)]


def tag(keyword):
    return pydicom.datadict.tag_for_keyword(keyword)


def palette_image(n, pixels, descriptor, data=None, segmented=None, bits_allocated=8):
    ds = fixtures.base(SC, n, 'OT')
    fixtures.image(ds, pixels, bits_allocated, bits_allocated, False, 'MONOCHROME2')
    ds.PhotometricInterpretation = 'PALETTE COLOR'
    for colour, i in (('Red', 0), ('Green', 1), ('Blue', 2)):
        ds.add(DataElement(tag(f'{colour}PaletteColorLookupTableDescriptor'), 'US', descriptor))
        if data is not None:
            ds.add(DataElement(tag(f'{colour}PaletteColorLookupTableData'), 'OW', data[i]))
        if segmented is not None:
            ds.add(DataElement(tag(f'Segmented{colour}PaletteColorLookupTableData'), 'OW', segmented[i]))
    return ds


def make_palette():
    pixels8 = fixtures.ramp(24, 40, 255)
    # 16-bit entries, 256 of them.
    tables = palette_tables(256, 65535)
    data = [t.astype('<u2').tobytes() for t in tables]
    fixtures.save(palette_image(FIRST_NUMBER + 10, pixels8, [256, 0, 16], data), 'palette_16bit_entries.dcm')
    # 8-bit entries packed one per byte, as the standard writes them today.
    tables = palette_tables(256, 255)
    data = [t.astype('u1').tobytes() for t in tables]
    fixtures.save(palette_image(FIRST_NUMBER + 11, pixels8, [256, 0, 8], data), 'palette_8bit_entries.dcm')
    # 8-bit entries one per 16-bit word, as older writers did.
    data = [t.astype('<u2').tobytes() for t in tables]
    fixtures.save(palette_image(FIRST_NUMBER + 12, pixels8, [256, 0, 8], data), 'palette_8bit_in_words.dcm')
    # 16-bit stored values and a descriptor of 0 entries: 65,536.
    tables = palette_tables(65536, 65535)
    data = [t.astype('<u2').tobytes() for t in tables]
    pixels16 = fixtures.ramp(24, 40, 65535)
    fixtures.save(palette_image(FIRST_NUMBER + 13, pixels16, [0, 0, 16], data, bits_allocated=16),
                  'palette_65536_entries.dcm')
    # 100 entries from stored value 50: below clamps to the first entry, above to the last.
    tables = palette_tables(100, 65535)
    data = [t.astype('<u2').tobytes() for t in tables]
    fixtures.save(palette_image(FIRST_NUMBER + 14, pixels8, [100, 50, 16], data), 'palette_first_mapped.dcm')
    # Segmented (PS3.3 C.7.9): discrete, linear and indirect segments, 256 entries per colour.
    segmented = []
    for c in range(3):
        start = [0, 3, 1000 * c, 2000, 3000]  # discrete: 3 entries (at word 0)
        linear = [1, 120, 60000 - 10000 * c]  # linear: 120 entries to y1 (at word 5)
        indirect = [2, 1, 5, 0]  # replay the linear segment at word 5 (120 more, flat from its end)
        tail = [0, 13] + [500 * k for k in range(13)]
        words = start + linear + indirect + tail
        segmented.append(struct.pack(f'<{len(words)}H', *words))
    fixtures.save(palette_image(FIRST_NUMBER + 15, pixels8, [256, 0, 16], segmented=segmented),
                  'palette_segmented.dcm')
    fixtures.run('dcmcrle', path('palette_16bit_entries.dcm'), path('palette_rle.dcm'))
    fixtures.run('dcmcjpls', path('palette_16bit_entries.dcm'), path('palette_jpegls.dcm'))


def make_float():
    ds = fixtures.base(PARAMETRIC_MAP, FIRST_NUMBER + 20, 'MR')
    ds.Rows, ds.Columns = 16, 20
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 32
    values = (np.arange(320, dtype=np.float32).reshape(16, 20) / 37.0 - 2.5).astype('<f4')
    values[0, 0] = np.nan  # parametric maps mark pixels without a fit
    ds.FloatPixelData = values.tobytes()
    ds.WindowCenter = 1.5
    ds.WindowWidth = 4
    fixtures.save(ds, 'float_pixels.dcm')

    ds = fixtures.base(PARAMETRIC_MAP, FIRST_NUMBER + 21, 'MR')
    ds.Rows, ds.Columns = 8, 6
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 64
    ds.NumberOfFrames = 2
    values = (np.arange(96, dtype=np.float64).reshape(2, 8, 6) * 1.0e-3 + 1.0e6).astype('<f8')
    ds.DoubleFloatPixelData = values.tobytes()
    fixtures.save(ds, 'double_float_pixels.dcm')


def make_one_bit():
    # A segmentation-like 1-bit image: 7x9 pixels, so frames and rows do not start on byte boundaries.
    ds = fixtures.base(SEG, FIRST_NUMBER + 30, 'SEG')
    frames = np.zeros((2, 7, 9), dtype=np.uint8)
    frames[0, 1:5, 2:7] = 1
    frames[1, ::2, ::3] = 1
    ds.Rows, ds.Columns = 7, 9
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit = 0
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = 2
    ds.PixelData = pydicom.pixel_data_handlers.numpy_handler.pack_bits(frames.ravel())
    fixtures.save(ds, 'seg_1bit.dcm')
    # JPEG 2000 with 1-bit samples (a codestream of precision 1), as segmentation writers produce: each frame
    # compressed losslessly by OpenJPEG's opj_compress (GDCM crashes on 1-bit data).
    streams = []
    for k, frame in enumerate(frames):
        pgm, j2k = path(f'frame{k}.tmp.pgm'), path(f'frame{k}.tmp.j2k')
        with open(pgm, 'wb') as f:
            f.write(b'P5\n9 7\n1\n' + frame.tobytes())
        fixtures.run('opj_compress', '-i', pgm, '-o', j2k, '-n', '2')
        streams.append(open(j2k, 'rb').read())
        os.remove(pgm)
        os.remove(j2k)
    ds.PixelData = pydicom.encaps.encapsulate(streams)
    ds['PixelData'].VR = 'OB'
    fixtures.save(ds, 'seg_1bit_j2k.dcm')
    ds.file_meta.TransferSyntaxUID = J2K_LOSSLESS
    ds.save_as(path('seg_1bit_j2k.dcm'), write_like_original=False)
    # RLE Lossless of 1-bit frames (PS3.5 G): one segment per frame holding its packed bytes. dcmcrle refuses
    # 1-bit data, so the segments are written here, as literal PackBits runs.
    rle = []
    for frame in frames:
        packed = pydicom.pixel_data_handlers.numpy_handler.pack_bits(frame.ravel())
        body = b''.join(bytes([len(c) - 1]) + c for c in (packed[i:i + 128] for i in range(0, len(packed), 128)))
        rle.append(struct.pack('<16I', 1, 64, *([0] * 14)) + body)
    ds.PixelData = pydicom.encaps.encapsulate(rle)
    ds.file_meta.TransferSyntaxUID = RLE_LOSSLESS
    ds.save_as(path('seg_1bit_rle.dcm'), write_like_original=False)


def make_view_code():
    # A radiograph whose view is given only as a View Code Sequence (no View Position), as some modalities write.
    ds = fixtures.base(fixtures.DX, FIRST_NUMBER + 40, 'DX')
    gray_image(ds, fixtures.ramp(16, 16, 4095))
    code = pydicom.Dataset()
    code.CodeValue = '399348003'
    code.CodingSchemeDesignator = 'SCT'
    code.CodeMeaning = 'postero-anterior'
    ds.ViewCodeSequence = pydicom.Sequence([code])
    fixtures.save(ds, 'view_code_only.dcm')


def make_retired_jpeg():
    src_dir = os.path.join(ROOT, 'test', 'fixtures', 'dicom')
    for src, mode, name in (
        ('mono8.dcm', '+es', 'jpeg_spectral_mono8.dcm'),
        ('mono8.dcm', '+ep', 'jpeg_progressive_mono8.dcm'),
        ('cr_12bit.dcm', '+ep', 'jpeg_progressive_cr12.dcm'),
    ):
        fixtures.run('dcmcjpeg', mode, '+un', os.path.join(src_dir, src), path(name))
        fixtures.run('dcmdjpeg', path(name), path(name.replace('.dcm', '.ref.dcm')))


def sha(arr):
    return hashlib.sha256(np.ascontiguousarray(arr, dtype='<f8').tobytes()).hexdigest()


def float_hash(frame, rows, cols):
    h = hashlib.sha256()
    h.update(b'medprep-float-pixels-v1')
    h.update(struct.pack('<III', rows, cols, 1))
    h.update(np.ascontiguousarray(frame, dtype='<f8').tobytes())
    return h.hexdigest()


def expectation(name):
    ds = pydicom.dcmread(path(name))
    rows, cols = int(ds.Rows), int(ds.Columns)
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    arr = ds.pixel_array.reshape(frames, rows, cols, -1)
    out = {'frames': frames}
    if 'FloatPixelData' in ds or 'DoubleFloatPixelData' in ds:
        out['floatHashes'] = [float_hash(f, rows, cols) for f in arr]
        return out
    spp = int(ds.SamplesPerPixel)
    stored = fixtures.canonical(ds.pixel_array, ds).reshape(frames, rows * cols * spp)
    out['hashes'] = [fixtures.frame_hash(f, rows, cols, spp) for f in stored]
    if ds.PhotometricInterpretation == 'PALETTE COLOR':
        rgb = apply_color_lut(ds.pixel_array, ds).reshape(frames, rows * cols * 3).astype(np.int64)
        out['paletteHashes'] = [fixtures.frame_hash(f, rows, cols, 3) for f in rgb]
        out['paletteFirst'] = [int(v) for v in rgb[0][:6]]
    elif spp == 1:
        modality = apply_modality_lut(ds.pixel_array, ds).reshape(frames, rows * cols)
        out['modalityHashes'] = [sha(f) for f in modality]
        out['modalityFirst'] = [float(v) for v in modality[0][:4]]
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    make_un()
    make_modality_lut()
    make_palette()
    make_float()
    make_one_bit()
    make_view_code()
    make_retired_jpeg()
    names = sorted(n for n in os.listdir(OUT) if n.endswith('.dcm') and not n.endswith('.ref.dcm'))
    # pydicom 2.3 cannot decode 1-bit JPEG 2000 or RLE, nor progressive JPEG: the lossless ones must give the native
    # file's values, and progressive JPEG is compared with dcmdjpeg's decoding (the .ref.dcm files).
    compressed_one_bit = ('seg_1bit_j2k.dcm', 'seg_1bit_rle.dcm')
    result = {n: expectation(n) for n in names if n not in compressed_one_bit and not n.startswith('jpeg_')}
    for n in compressed_one_bit:
        result[n] = result['seg_1bit.dcm']
    for n in os.listdir(OUT):
        if n.endswith('.ref.dcm'):
            result[n] = expectation(n)
    with open(path('expectations.json'), 'w') as f:
        json.dump(dict(sorted(result.items())), f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
