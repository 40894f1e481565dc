#!/usr/bin/python3
"""Generate the small DICOM fixtures in test/fixtures/dicom/ and the pydicom expectations JSON.

Run with Debian's python (it has pydicom 2.3 + numpy):  /usr/bin/python3 scripts/make-test-fixtures.py
Needs dcmtk (dcmconv, dcmcjpeg) on PATH. Output is deterministic (fixed UIDs and pixel values), so
re-running only changes files when this script changes.

expectations.json holds, per fixture and per uncompressed pydicom test file, what pydicom decodes:
shape, min/max, the first values, and per frame the same canonical hash as pixelHash() in
electron/engine/dicom/hash.ts (values as little-endian int32 after a rows/columns/samples header),
so the TypeScript tests compare our decoded pixels to pydicom's exactly.
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'dicom')
PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files'
UID_ROOT = '1.2.826.0.1.3680043.10.1234.'  # fixed, made-up org root: fixtures must be reproducible

CR = '1.2.840.10008.5.1.4.1.1.1'
DX = '1.2.840.10008.5.1.4.1.1.1.1'
CT = '1.2.840.10008.5.1.4.1.1.2'
SC = '1.2.840.10008.5.1.4.1.1.7'
BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11'


def path(name):
    return os.path.join(OUT, name)


def base(sop_class, n, modality, charset=None):
    """A dataset with patient/study/series identity; n makes the UIDs unique per fixture."""
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = f'{UID_ROOT}3.{n}'
    ds.StudyDate = '20240102'
    ds.StudyTime = '101500'
    ds.AccessionNumber = f'ACC{n:04d}'
    ds.Modality = modality
    ds.Manufacturer = 'MedPrep Fixtures'
    ds.InstitutionName = 'Fixture General Hospital'
    ds.ReferringPhysicianName = 'Referrer^Rita'
    ds.StudyDescription = 'Fixture study'
    ds.PatientName = 'Fixture^Patient'
    ds.PatientID = f'PID{n:04d}'
    ds.PatientBirthDate = '19700101'
    ds.PatientSex = 'O'
    ds.StudyInstanceUID = f'{UID_ROOT}1.{n}'
    ds.SeriesInstanceUID = f'{UID_ROOT}2.{n}'
    ds.SeriesNumber = 1
    ds.InstanceNumber = n
    return ds


def image(ds, pixels, bits_allocated, bits_stored, signed, photometric, planar=None, frames=None):
    """Attach an Image Pixel module; pixels is (frames?, rows, cols[, samples]) already laid out."""
    arr = np.asarray(pixels)
    spp = 3 if photometric in ('RGB', 'YBR_FULL') else 1
    shape = arr.shape[1:] if frames else arr.shape
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric
    if spp == 3:
        ds.PlanarConfiguration = planar or 0
    if frames:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = shape[0], shape[1]
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if spp == 3 and planar == 1:
        axes = (0, 3, 1, 2) if frames else (2, 0, 1)
        arr = arr.transpose(axes)
    dtype = {8: 'u1', 16: 'u2', 32: 'u4'}[bits_allocated]
    raw = arr.astype(('<i' if signed else '<u') + dtype[1]).view('<' + dtype).tobytes()
    ds.PixelData = raw + (b'\0' if len(raw) % 2 else b'')
    ds['PixelData'].VR = 'OB' if bits_allocated == 8 else 'OW'
    return ds


def save(ds, name):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID_ROOT + '99'
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.preamble = b'\0' * 128
    ds.save_as(path(name), write_like_original=False)


def run(*args):
    subprocess.run(args, check=True, capture_output=True)


def ramp(rows, cols, top):
    idx = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
    return np.round(idx * top / (rows * cols - 1)).astype(np.int64)


def strip_meta(src, dst):
    """A raw dataset: no preamble, no DICM, no group 0002 (like pydicom's ExplVR_LitEndNoMeta)."""
    data = open(path(src), 'rb').read()
    assert data[128:132] == b'DICM'
    group_len = struct.unpack('<I', data[140:144])[0]
    open(path(dst), 'wb').write(data[144 + group_len:])


def make_fixtures():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)

    # A 12-bit CR with a known ramp, rescale and a two-valued window (the first must be used).
    cr_pixels = ramp(48, 64, 4095)
    ds = base(CR, 1, 'CR')
    ds.BodyPartExamined = 'CHEST'
    ds.ViewPosition = 'PA'
    ds.RescaleSlope = 2
    ds.RescaleIntercept = -100
    ds.RescaleType = 'US'
    ds.WindowCenter = [2000, 3000]
    ds.WindowWidth = [4000, 1000]
    ds.ImageType = ['ORIGINAL', 'PRIMARY']
    save(image(ds, cr_pixels, 16, 12, False, 'MONOCHROME2'), 'cr_12bit.dcm')
    run('dcmconv', '+ti', path('cr_12bit.dcm'), path('cr_12bit_implicit.dcm'))
    run('dcmconv', '+tb', path('cr_12bit.dcm'), path('cr_12bit_bigendian.dcm'))
    run('dcmconv', '+td', path('cr_12bit.dcm'), path('cr_12bit_deflated.dcm'))
    strip_meta('cr_12bit.dcm', 'cr_12bit_no_preamble.dcm')
    strip_meta('cr_12bit_implicit.dcm', 'cr_12bit_no_preamble_implicit.dcm')

    # Same pixels with garbage in bits 12-15 (overlay bits): decoders must mask to Bits Stored.
    ds = base(CR, 2, 'CR')
    save(image(ds, cr_pixels | (0xA000 * ((cr_pixels % 3) == 0)), 16, 12, False, 'MONOCHROME2'), 'cr_12bit_high_bits.dcm')

    # Window function variants of the CR.
    ds = base(CR, 3, 'CR')
    ds.WindowCenter = 2048
    ds.WindowWidth = 1024
    ds.VOILUTFunction = 'SIGMOID'
    save(image(ds, cr_pixels, 16, 12, False, 'MONOCHROME2'), 'cr_12bit_sigmoid.dcm')

    # MONOCHROME1 DX: low stored values are dense (bone) and must render bright.
    ds = base(DX, 4, 'DX')
    ds.BodyPartExamined = 'HAND'
    ds.ViewPosition = 'AP'
    ds.WindowCenter = 2048
    ds.WindowWidth = 4096
    save(image(ds, cr_pixels, 16, 12, False, 'MONOCHROME1'), 'dx_mono1.dcm')

    # Signed CT-like: stored -1000..3000 signed, intercept -1024 → HU, soft-tissue window.
    ct = ramp(32, 32, 4000) - 1000
    ds = base(CT, 5, 'CT')
    ds.RescaleSlope = 1
    ds.RescaleIntercept = -1024
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    save(image(ds, ct, 16, 16, True, 'MONOCHROME2'), 'ct_signed.dcm')
    run('dcmconv', '+tb', path('ct_signed.dcm'), path('ct_signed_bigendian.dcm'))

    # RGB in both planar configurations (same pixels), and big endian.
    yy, xx = np.mgrid[0:24, 0:32]
    rgb = np.stack([xx * 8, yy * 10, (xx + yy) * 4], axis=-1) % 256
    save(image(base(SC, 6, 'OT'), rgb, 8, 8, False, 'RGB', planar=0), 'rgb_planar0.dcm')
    save(image(base(SC, 7, 'OT'), rgb, 8, 8, False, 'RGB', planar=1), 'rgb_planar1.dcm')
    run('dcmconv', '+tb', path('rgb_planar1.dcm'), path('rgb_planar1_bigendian.dcm'))

    # YBR_FULL colour: gray (128,128) chroma must stay gray; pure Y values map to RGB=Y.
    ybr = np.stack([xx * 8, np.full_like(xx, 128), np.full_like(xx, 128)], axis=-1)
    ybr[0, :] = [76, 85, 255]  # ≈ pure red
    save(image(base(SC, 8, 'OT'), ybr, 8, 8, False, 'YBR_FULL', planar=0), 'ybr_full.dcm')

    # 8-bit grayscale without a window: rendered from its min-max range.
    mono8 = ramp(40, 30, 200) + 20
    save(image(base(SC, 9, 'OT'), mono8, 8, 8, False, 'MONOCHROME2'), 'mono8.dcm')
    run('dcmconv', '+tb', path('mono8.dcm'), path('mono8_bigendian.dcm'))
    # JPEG baseline of the same image: our decoder must refuse it by name.
    run('dcmcjpeg', '+eb', path('mono8.dcm'), path('jpeg_baseline.dcm'))

    # Multi-frame: 3 distinct frames.
    frames = np.stack([ramp(24, 32, 1000) + 1000 * k for k in range(3)])
    ds = base(SC, 10, 'OT')
    save(image(ds, frames, 16, 16, False, 'MONOCHROME2', frames=3), 'multiframe3.dcm')
    run('dcmconv', '+ti', path('multiframe3.dcm'), path('multiframe3_implicit.dcm'))
    frames8 = np.stack([ramp(24, 32, 150) + 40 * k for k in range(3)])
    save(image(base(SC, 18, 'OT'), frames8, 8, 8, False, 'MONOCHROME2', frames=3), 'multiframe3_8bit.dcm')

    # VOI LUT Sequence instead of a window: 12-bit input, 8-bit output LUT.
    ds = base(CR, 11, 'CR')
    item = Dataset()
    item.LUTDescriptor = [4096, 0, 8]
    item.LUTData = [min(255, v // 8) for v in range(4096)]
    item['LUTData'].VR = 'US'
    item.LUTExplanation = 'FIXTURE'
    ds.VOILUTSequence = Sequence([item])
    save(image(ds, cr_pixels, 16, 12, False, 'MONOCHROME2'), 'voi_lut.dcm')

    # Character sets: accented names in Latin-1 and UTF-8.
    small = ramp(8, 8, 255)
    ds = base(SC, 12, 'OT', charset='ISO_IR 100')
    ds.PatientName = 'Müller^Jürgen'
    ds.InstitutionName = 'Clínica São José'
    save(image(ds, small, 8, 8, False, 'MONOCHROME2'), 'charset_latin1.dcm')
    ds = base(SC, 13, 'OT', charset='ISO_IR 192')
    ds.PatientName = 'Gonçalves^José=山田^太郎'
    ds.InstitutionName = 'Krankenhaus Köln'
    save(image(ds, small, 8, 8, False, 'MONOCHROME2'), 'charset_utf8.dcm')

    # A sequence nested three deep (undefined lengths as pydicom writes them), and with explicit lengths.
    ds = base(SC, 14, 'OT')
    inner = Dataset()
    inner.CodeValue = 'DEEP'
    inner.CodingSchemeDesignator = 'DCM'
    inner.CodeMeaning = 'Third level'
    middle = Dataset()
    middle.ConceptNameCodeSequence = Sequence([inner])
    middle.TextValue = 'second level'
    outer = Dataset()
    outer.ContentSequence = Sequence([middle])
    outer.TextValue = 'first level'
    empty = Dataset()
    ds.ReferencedImageSequence = Sequence([empty, empty])  # zero-length items
    ds.ContentSequence = Sequence([outer])
    save(image(ds, small, 8, 8, False, 'MONOCHROME2'), 'nested_sequence.dcm')
    run('dcmconv', '+e', '+ti', path('nested_sequence.dcm'), path('nested_sequence_defined.dcm'))

    # Basic Text SR: DICOM, but no pixel data.
    ds = base(BASIC_TEXT_SR, 15, 'SR')
    ds.ValueType = 'CONTAINER'
    content = Dataset()
    content.RelationshipType = 'CONTAINS'
    content.ValueType = 'TEXT'
    content.TextValue = 'No acute findings.'
    ds.ContentSequence = Sequence([content])
    save(ds, 'basic_text_sr.dcm')

    # Truncated: the CR cut 1000 bytes short (Pixel Data runs past the end of the file).
    data = open(path('cr_12bit.dcm'), 'rb').read()
    open(path('truncated.dcm'), 'wb').write(data[:-1000])

    # Pixel Data complete as an element but shorter than rows*cols: the header lies about the size.
    ds = base(CR, 16, 'CR')
    image(ds, cr_pixels, 16, 12, False, 'MONOCHROME2')
    ds.PixelData = ds.PixelData[: 40 * 64 * 2]
    save(ds, 'short_pixel_data.dcm')

    # No Study/Series Instance UIDs: the importer must stand in stable identifiers.
    ds = base(SC, 17, 'OT')
    del ds.StudyInstanceUID
    del ds.SeriesInstanceUID
    save(image(ds, small, 8, 8, False, 'MONOCHROME2'), 'no_uids.dcm')

    with open(path('not_dicom.txt'), 'w') as f:
        f.write('This is a plain text file that happens to sit in a DICOM export folder.\n')


def canonical(arr, ds):
    """Mask/sign-extend to Bits Stored (pydicom 2.3 leaves high bits as stored), then hash like pixelHash."""
    bits_alloc = int(ds.BitsAllocated)
    bits_stored = int(getattr(ds, 'BitsStored', bits_alloc))
    signed = int(getattr(ds, 'PixelRepresentation', 0)) == 1
    arr = np.asarray(arr)
    arr = arr.astype(arr.dtype.newbyteorder('='))  # big-endian arrays to native before any bit view
    if bits_alloc > 1 and bits_stored < bits_alloc:
        high = int(getattr(ds, 'HighBit', bits_stored - 1))
        u = arr.view({8: np.uint8, 16: np.uint16, 32: np.uint32}[bits_alloc]).astype(np.int64)
        u = (u >> (high + 1 - bits_stored)) & ((1 << bits_stored) - 1)
        if signed:
            u = np.where(u >= (1 << (bits_stored - 1)), u - (1 << bits_stored), u)
        arr = u
    return arr.astype(np.int64)


def frame_hash(frame, rows, cols, spp):
    h = hashlib.sha256()
    h.update(b'medprep-pixels-v1')
    h.update(struct.pack('<III', rows, cols, spp))
    h.update(frame.astype('<i8').astype('<i4', casting='unsafe').tobytes())
    return h.hexdigest()


def expectation(file_path):
    ds = pydicom.dcmread(file_path, force=True)
    if 'TransferSyntaxUID' not in ds.file_meta:  # raw datasets: say how pydicom found them encoded
        ds.file_meta.TransferSyntaxUID = (
            ImplicitVRLittleEndian if ds.is_implicit_VR else ExplicitVRLittleEndian if ds.is_little_endian else ExplicitVRBigEndian
        )
    arr = canonical(ds.pixel_array, ds)
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    spp = int(getattr(ds, 'SamplesPerPixel', 1))
    rows, cols = int(ds.Rows), int(ds.Columns)
    per_frame = arr.reshape(frames, rows * cols * spp)
    return {
        'rows': rows,
        'columns': cols,
        'frames': frames,
        'samplesPerPixel': spp,
        'photometric': str(ds.PhotometricInterpretation),
        'min': int(arr.min()),
        'max': int(arr.max()),
        'first': [int(v) for v in per_frame[0][:8]],
        'hashes': [frame_hash(f, rows, cols, spp) for f in per_frame],
    }


PYDICOM_UNCOMPRESSED = [
    'CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_expb.dcm',
    'MR_small_padded.dcm', 'image_dfl.dcm', 'ExplVR_BigEnd.dcm', 'SC_rgb_small_odd.dcm', 'SC_rgb_jpeg_dcmd.dcm',
    'SC_ybr_full_422_uncompressed.dcm', 'liver_1frame.dcm', 'liver_expb_1frame.dcm', 'rtdose.dcm',
    'rtdose_expb.dcm', 'rtdose_1frame.dcm', 'emri_small.dcm', 'emri_small_big_endian.dcm',
]
OUR_IMAGES = [
    'cr_12bit.dcm', 'cr_12bit_implicit.dcm', 'cr_12bit_bigendian.dcm', 'cr_12bit_deflated.dcm',
    'cr_12bit_no_preamble.dcm', 'cr_12bit_no_preamble_implicit.dcm', 'cr_12bit_high_bits.dcm',
    'cr_12bit_sigmoid.dcm', 'dx_mono1.dcm', 'ct_signed.dcm', 'ct_signed_bigendian.dcm', 'rgb_planar0.dcm',
    'rgb_planar1.dcm', 'rgb_planar1_bigendian.dcm', 'ybr_full.dcm', 'mono8.dcm', 'mono8_bigendian.dcm',
    'multiframe3.dcm', 'multiframe3_implicit.dcm', 'multiframe3_8bit.dcm', 'voi_lut.dcm', 'charset_latin1.dcm', 'charset_utf8.dcm',
    'nested_sequence.dcm', 'nested_sequence_defined.dcm',
]


# ---------------------------------------------------------------------------------------------
# Compressed transfer syntaxes, written by dcmtk, gdcm and OpenJPH from the uncompressed fixtures.
# Lossless ones must decode to exactly the original's pixels; lossy ones are compared (PSNR) with a
# reference decoded by someone else: pydicom (Pillow) where it can, else the compressing toolkit's
# own decompressor (dcmdjpeg, dcmdjpls), written out as an uncompressed `.ref.dcm` next to them.
CODECS = 'codecs'
JPEG_BASELINE = '1.2.840.10008.1.2.4.50'
JPEG_EXTENDED = '1.2.840.10008.1.2.4.51'
HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201'
HTJ2K_LOSSLESS_RPCL = '1.2.840.10008.1.2.4.202'
HTJ2K = '1.2.840.10008.1.2.4.203'
MIN_PSNR = 40
# pydicom 2.3 predates HTJ2K and JPEG XL; teach it the UIDs so it will write (not decode) them.
from pydicom._uid_dict import UID_dictionary
for _uid, _name in [(HTJ2K_LOSSLESS, 'HTJ2K Lossless'), (HTJ2K_LOSSLESS_RPCL, 'HTJ2K Lossless RPCL'),
                    (HTJ2K, 'HTJ2K'), ('1.2.840.10008.1.2.4.112', 'JPEG XL')]:
    UID_dictionary.setdefault(_uid, (_name, 'Transfer Syntax', '', '', _name.replace(' ', '')))


def codec_path(name):
    return path(os.path.join(CODECS, name))


def tool(args, src, name):
    """Compress fixture src into codecs/name with a command line tool: args + [src, dst]."""
    run(*args, path(src), codec_path(name))


def refile(src_name, dst_name, transfer_syntax, frames_bytes, fragments_per_frame=1, has_bot=True):
    """Re-wrap compressed frames into a copy of src: pydicom's encapsulation, our choice of layout."""
    from pydicom.encaps import encapsulate
    ds = pydicom.dcmread(path(src_name))
    ds.file_meta.TransferSyntaxUID = transfer_syntax
    ds.PixelData = encapsulate(frames_bytes, fragments_per_frame=fragments_per_frame, has_bot=has_bot)
    ds['PixelData'].VR = 'OB'
    ds['PixelData'].is_undefined_length = True
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(codec_path(dst_name), write_like_original=False)


def frames_of(name):
    from pydicom.encaps import generate_pixel_data_frame
    ds = pydicom.dcmread(codec_path(name))
    return list(generate_pixel_data_frame(ds.PixelData, int(getattr(ds, 'NumberOfFrames', 1) or 1)))


def htj2k(src_name, dst_name, syntax, reversible, qstep=None):
    """OpenJPH's ojph_compress on the raw samples (signedness and bit depth from the header)."""
    ds = pydicom.dcmread(path(src_name))
    arr = ds.pixel_array
    spp = int(ds.SamplesPerPixel)
    signed = int(ds.PixelRepresentation) == 1
    raw = codec_path(dst_name + '.yuv')
    out = codec_path(dst_name + '.j2c')
    planes = arr.transpose(2, 0, 1) if spp == 3 else arr[None]
    dtype = ('<i' if signed else '<u') + ('1' if ds.BitsAllocated == 8 else '2')
    open(raw, 'wb').write(planes.astype(dtype).tobytes())
    args = ['ojph_compress', '-i', raw, '-o', out, '-dims', f'{{{ds.Columns},{ds.Rows}}}',
            '-num_comps', str(spp), '-signed', ','.join(['true' if signed else 'false'] * spp),
            '-bit_depth', ','.join([str(ds.BitsStored)] * spp), '-downsamp', ','.join(['{1,1}'] * spp),
            '-reversible', 'true' if reversible else 'false']  # raw input: no colour transform
    if qstep:
        args += ['-qstep', str(qstep)]
    run(*args)
    refile(src_name, dst_name, syntax, [open(out, 'rb').read()])
    os.remove(raw)
    os.remove(out)


def pydicom_decodes(file_path):
    try:
        pydicom.dcmread(file_path).pixel_array
        return True
    except Exception:
        return False


def deflate(file_path):
    """References are stored deflated (our native path reads that) to keep the fixtures small."""
    run('dcmconv', '+td', file_path, file_path + '.tmp')
    os.replace(file_path + '.tmp', file_path)


def write_reference(name, decompressor):
    """The lossy file decoded by pydicom if it can (colour converted to RGB as a viewer shows it),
    else by the toolkit's decompressor; written uncompressed as codecs/<name>.ref.dcm."""
    from pydicom.pixel_data_handlers.util import convert_color_space
    src = codec_path(name)
    ref = codec_path(name.replace('.dcm', '.ref.dcm'))
    if pydicom_decodes(src):
        ds = pydicom.dcmread(src)
        arr = ds.pixel_array
        if str(ds.PhotometricInterpretation).startswith('YBR_FULL'):
            arr = convert_color_space(arr, 'YBR_FULL', 'RGB')
            ds.PhotometricInterpretation = 'RGB'
        ds.PixelData = arr.tobytes()
        ds['PixelData'].VR = 'OB' if ds.BitsAllocated == 8 else 'OW'
        ds['PixelData'].is_undefined_length = False
        if 'PlanarConfiguration' in ds:
            ds.PlanarConfiguration = 0
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(ref, write_like_original=False)
        deflate(ref)
        return 'pydicom ' + pydicom.__version__ + ' (Pillow)'
    run(*decompressor, src, ref)
    deflate(ref)
    return ' '.join(decompressor)


# name: (source, lossless, how). Sources are the uncompressed fixtures above.
CODEC_FIXTURES = {
    # JPEG lossless, process 14 (any predictor) and SV1; dcmtk's true-lossless mode keeps stored values.
    'jpeg_lossless_sv1_cr12.dcm': ('cr_12bit.dcm', True, ['dcmcjpeg', '+e1']),
    'jpeg_lossless_p14_ct_signed.dcm': ('ct_signed.dcm', True, ['dcmcjpeg', '+el', '+sv', '6']),
    'jpeg_lossless_sv1_rgb.dcm': ('rgb_planar0.dcm', True, ['dcmcjpeg', '+e1']),
    'jpeg_lossless_sv1_mono8.dcm': ('mono8.dcm', True, ['dcmcjpeg', '+e1']),
    'jpeg_lossless_p14_multiframe.dcm': ('multiframe3.dcm', True, ['dcmcjpeg', '+el', '+sv', '1', '-ot']),
    # JPEG-LS lossless and near-lossless (NEAR=2: no sample may differ from the original by more).
    'jpegls_lossless_cr12.dcm': ('cr_12bit.dcm', True, ['dcmcjpls', '+el']),
    'jpegls_lossless_ct_signed.dcm': ('ct_signed.dcm', True, ['dcmcjpls', '+el']),
    'jpegls_lossless_rgb.dcm': ('rgb_planar0.dcm', True, ['dcmcjpls', '+el']),
    'jpegls_lossless_rgb_sample_interleaved.dcm': ('rgb_planar1.dcm', True, ['dcmcjpls', '+el', '+is']),
    'jpegls_lossless_multiframe.dcm': ('multiframe3.dcm', True, ['dcmcjpls', '+el']),
    'jpegls_near_lossless_cr12.dcm': ('cr_12bit.dcm', False, ['dcmcjpls', '+en', '+md', '2']),
    'jpegls_near_lossless_rgb.dcm': ('rgb_planar0.dcm', False, ['dcmcjpls', '+en', '+md', '2']),
    # JPEG 2000 by gdcm (OpenJPEG inside): reversible, and irreversible at a modest rate.
    'j2k_lossless_cr12.dcm': ('cr_12bit.dcm', True, ['gdcmconv', '--j2k']),
    'j2k_lossless_ct_signed.dcm': ('ct_signed.dcm', True, ['gdcmconv', '--j2k']),
    'j2k_lossless_rgb.dcm': ('rgb_planar0.dcm', True, ['gdcmconv', '--j2k']),
    'j2k_lossless_multiframe.dcm': ('multiframe3.dcm', True, ['gdcmconv', '--j2k']),
    'j2k_lossy_cr12.dcm': ('cr_12bit.dcm', False, ['gdcmconv', '--j2k', '--lossy', '-q', '60']),
    'j2k_lossy_ct_signed.dcm': ('ct_signed.dcm', False, ['gdcmconv', '--j2k', '--lossy', '-q', '60']),
    'j2k_lossy_rgb.dcm': ('rgb_planar0.dcm', False, ['gdcmconv', '--j2k', '--lossy', '-q', '60']),
    # RLE Lossless by dcmtk.
    'rle_cr12.dcm': ('cr_12bit.dcm', True, ['dcmcrle']),
    'rle_ct_signed.dcm': ('ct_signed.dcm', True, ['dcmcrle']),
    'rle_rgb.dcm': ('rgb_planar0.dcm', True, ['dcmcrle']),
    'rle_mono8.dcm': ('mono8.dcm', True, ['dcmcrle']),
    'rle_multiframe.dcm': ('multiframe3.dcm', True, ['dcmcrle']),
    # Lossy JPEG by dcmtk: baseline 8-bit gray and colour (YBR_FULL_422 and 4:4:4 YBR_FULL),
    # extended 8-bit and 12-bit, a baseline multi-frame.
    'jpeg_baseline_mono8.dcm': ('mono8.dcm', False, ['dcmcjpeg', '+eb']),
    'jpeg_baseline_ybr422.dcm': ('rgb_planar0.dcm', False, ['dcmcjpeg', '+eb', '+q', '95']),
    'jpeg_baseline_ybr_full.dcm': ('rgb_planar0.dcm', False, ['dcmcjpeg', '+eb', '+s4', '+q', '95']),
    'jpeg_baseline_multiframe.dcm': ('multiframe3_8bit.dcm', False, ['dcmcjpeg', '+eb', '+q', '95']),
    'jpeg_extended_mono8.dcm': ('mono8.dcm', False, ['dcmcjpeg', '+ee']),
    'jpeg_extended_cr12.dcm': ('cr_12bit.dcm', False, ['dcmcjpeg', '+ee', '+q', '95']),
}
DECOMPRESSOR = {'dcmcjpeg': ['dcmdjpeg'], 'dcmcjpls': ['dcmdjpls'], 'gdcmconv': ['gdcmconv', '--raw']}


def make_codec_fixtures():
    os.makedirs(path(CODECS))
    info = {}
    for name, (src, lossless, args) in CODEC_FIXTURES.items():
        tool(args, src, name)
        info[name] = {'source': src, 'lossless': lossless}
        if not lossless:
            info[name]['reference'] = f'{CODECS}/' + name.replace('.dcm', '.ref.dcm')
            info[name]['referenceFrom'] = write_reference(name, DECOMPRESSOR[args[0]])
    # Frames split over two fragments each, no Basic Offset Table: frames are found by EOI markers.
    refile('multiframe3.dcm', 'jpeg_lossless_split_fragments.dcm', '1.2.840.10008.1.2.4.57',
           frames_of('jpeg_lossless_p14_multiframe.dcm'), fragments_per_frame=2, has_bot=False)
    refile('multiframe3.dcm', 'jpegls_split_fragments_bot.dcm', '1.2.840.10008.1.2.4.80',
           frames_of('jpegls_lossless_multiframe.dcm'), fragments_per_frame=3, has_bot=True)
    for name, src in [('jpeg_lossless_split_fragments.dcm', 'multiframe3.dcm'),
                      ('jpegls_split_fragments_bot.dcm', 'multiframe3.dcm')]:
        info[name] = {'source': src, 'lossless': True}
    # HTJ2K by OpenJPH's command line encoder (gdcm 3.0 cannot write it). Not signed data: Debian's
    # ojph_compress 0.9 writes signed samples that only its own ojph_expand reads back.
    for name, src, syntax, reversible in [
        ('htj2k_lossless_cr12.dcm', 'cr_12bit.dcm', HTJ2K_LOSSLESS, True),
        ('htj2k_lossless_rpcl_rgb.dcm', 'rgb_planar0.dcm', HTJ2K_LOSSLESS_RPCL, True),
        ('htj2k_lossy_cr12.dcm', 'cr_12bit.dcm', HTJ2K, False),
    ]:
        htj2k(src, name, syntax, reversible, None if reversible else 0.002)
        # No independent HTJ2K decoder here: the lossy one is held to PSNR against the original.
        info[name] = {'source': src, 'lossless': reversible}
        if not reversible:
            info[name]['reference'] = src
            info[name]['referenceFrom'] = 'the uncompressed original'
    # A damaged stream of each family: the middle of the first fragment overwritten.
    for name, src in [('corrupt_j2k.dcm', 'j2k_lossless_cr12.dcm'), ('corrupt_jpegls.dcm', 'jpegls_lossless_cr12.dcm'),
                      ('corrupt_jpeg_baseline.dcm', 'jpeg_baseline_mono8.dcm'),
                      ('corrupt_jpeg_lossless.dcm', 'jpeg_lossless_sv1_cr12.dcm'),
                      ('corrupt_htj2k.dcm', 'htj2k_lossless_cr12.dcm'), ('corrupt_rle.dcm', 'rle_cr12.dcm')]:
        ds = pydicom.dcmread(codec_path(src))
        frame = bytearray(frames_of(src)[0])
        keep = 2 if 'rle' in name else 20  # RLE: break the header's segment count; else keep the markers' start
        frame[keep:len(frame) - 2] = bytes([0xFF, 0x00, 0x13] * len(frame))[: len(frame) - 2 - keep]
        from pydicom.encaps import encapsulate
        ds.PixelData = encapsulate([bytes(frame)])
        ds.save_as(codec_path(name))
    # Transfer syntaxes we do not decode: JPEG XL and MPEG-4 (only the UID matters for the error).
    for name, syntax in [('unsupported_jpegxl.dcm', '1.2.840.10008.1.2.4.112'),
                         ('unsupported_mpeg4.dcm', '1.2.840.10008.1.2.4.102')]:
        refile('mono8.dcm', name, syntax, [b'\x00' * 16])
    return info


def psnr(a, b, peak):
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float('inf') if mse == 0 else 10 * np.log10(peak * peak / mse)


# pydicom's own compressed files: lossless against their uncompressed twin (or pydicom's exact decode),
# lossy against pydicom's decode (Pillow) or dcmtk's, with PSNR.
PYDICOM_LOSSLESS_TWINS = {
    'MR_small_RLE.dcm': 'MR_small.dcm', 'MR_small_jp2klossless.dcm': 'MR_small.dcm',
    'MR_small_jpeg_ls_lossless.dcm': 'MR_small.dcm', 'rtdose_rle.dcm': 'rtdose.dcm',
    'rtdose_rle_1frame.dcm': 'rtdose_1frame.dcm', 'SC_rgb_rle.dcm': None, 'SC_rgb_rle_2frame.dcm': None,
    'SC_rgb_rle_16bit.dcm': None, 'SC_rgb_rle_16bit_2frame.dcm': None, 'SC_rgb_rle_32bit.dcm': None,
    'SC_rgb_rle_32bit_2frame.dcm': None, 'SC_rgb_jpeg_gdcm.dcm': None, 'GDCMJ2K_TextGBR.dcm': None,
}
PYDICOM_LOSSY = [
    'SC_rgb_jpeg_dcmtk.dcm', 'SC_rgb_dcmtk_+eb+cr.dcm', 'SC_rgb_dcmtk_+eb+cy+s2.dcm', 'SC_rgb_dcmtk_+eb+cy+s4.dcm',
    'SC_rgb_dcmtk_+eb+cy+n1.dcm', 'SC_rgb_dcmtk_+eb+cy+n2.dcm', 'SC_rgb_dcmtk_+eb+cy+np.dcm',
    'SC_rgb_jpeg_lossy_gdcm.dcm', 'SC_rgb_small_odd_jpeg.dcm', 'JPEG2000.dcm', 'SC_rgb_gdcm_KY.dcm',
    'JPGExtended.dcm', 'JPEG-lossy.dcm', '693_J2KI.dcm',
]


def is_j2k(file_path):
    return str(pydicom.dcmread(file_path, stop_before_pixels=True).file_meta.TransferSyntaxUID).startswith('1.2.840.10008.1.2.4.9')


def pydicom_compressed():
    out = {}
    for name, twin in PYDICOM_LOSSLESS_TWINS.items():
        p = os.path.join(PYDICOM_FILES, name)
        if not os.path.exists(p):
            continue
        if twin is not None:
            out[name] = {'lossless': True, 'expected': expectation(os.path.join(PYDICOM_FILES, twin)), 'expectedFrom': twin}
        elif pydicom_decodes(p):
            out[name] = {'lossless': True, 'expected': expectation(p), 'expectedFrom': 'pydicom ' + pydicom.__version__}
        else:  # pydicom lacks the codec here: dcmtk's lossless decompression is exact too
            decompressor = ['gdcmconv', '--raw'] if is_j2k(p) else ['dcmdjpeg']
            run(*decompressor, p, codec_path('tmp.dcm'))
            out[name] = {'lossless': True, 'expected': expectation(codec_path('tmp.dcm')), 'expectedFrom': ' '.join(decompressor)}
            os.remove(codec_path('tmp.dcm'))
    for name in PYDICOM_LOSSY:
        p = os.path.join(PYDICOM_FILES, name)
        if not os.path.exists(p):
            continue
        ref_name = 'pydicom_' + name.replace('+', '').replace('.dcm', '.ref.dcm')
        shutil.copy(p, codec_path('tmp.dcm'))
        decompressor = ['gdcmconv', '--raw'] if is_j2k(p) else ['dcmdjpeg']
        source = write_reference('tmp.dcm', decompressor)
        os.rename(codec_path('tmp.ref.dcm'), codec_path(ref_name))
        os.remove(codec_path('tmp.dcm'))
        out[name] = {'lossless': False, 'reference': f'{CODECS}/{ref_name}', 'referenceFrom': source}
    return out


def check_codec_fixtures(result):
    """Prove the fixtures are what they claim, with the tools' own decoders: lossless ones decompress
    to the original's exact pixels; record how close the lossy references are to the original."""
    decompress = {'jpeg_': ['dcmdjpeg'], 'jpegls': ['dcmdjpls'], 'j2k_': ['gdcmconv', '--raw'], 'rle_': ['dcmdrle']}
    for name, entry in result['codecs'].items():
        src = path(entry['source'])
        if entry['lossless']:
            tool_args = next((v for k, v in decompress.items() if name.startswith(k)), None)
            if tool_args is None:
                continue  # HTJ2K: no second decoder installed
            run(*tool_args, codec_path(name), codec_path('check.dcm'))
            got = expectation(codec_path('check.dcm'))['hashes']
            os.remove(codec_path('check.dcm'))
            assert got == result['fixtures'][entry['source']]['hashes'], f'{name} is not lossless'
        elif entry['reference'] != entry['source']:
            ref = pydicom.dcmread(path(entry['reference']))
            orig = pydicom.dcmread(src)
            entry['referenceVsOriginalPsnr'] = round(psnr(ref.pixel_array, orig.pixel_array, 2 ** int(orig.BitsStored) - 1), 2)


def main():
    make_fixtures()
    result = {'pydicomVersion': pydicom.__version__, 'fixtures': {}, 'pydicom': {}}
    for name in OUR_IMAGES:
        result['fixtures'][name] = expectation(path(name))
    for name in PYDICOM_UNCOMPRESSED:
        p = os.path.join(PYDICOM_FILES, name)
        if os.path.exists(p):
            result['pydicom'][name] = expectation(p)
    result['codecs'] = make_codec_fixtures()
    result['pydicomCompressed'] = pydicom_compressed()
    check_codec_fixtures(result)
    with open(path('expectations.json'), 'w') as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write('\n')
    files = [os.path.join(d, n) for d, _, names in os.walk(OUT) for n in names]
    total = sum(os.path.getsize(f) for f in files)
    print(f'wrote {len(files)} files, {total} bytes, into {OUT}', file=sys.stderr)


if __name__ == '__main__':
    main()
