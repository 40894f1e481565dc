#!/usr/bin/python3
"""Decode every DICOM file under a folder with pydicom (and GDCM / Pillow where installed), for
scripts/compare-decoders.ts.

Usage: /usr/bin/python3 scripts/reference-decode.py DIR OUT
Prints one JSON line per file (path relative to DIR; status 'decoded', 'no-pixels', 'not-dicom' or
'reference-error' with pydicom's message) and writes, per decoded file, its stored values as OUT/<n>.stored
(little-endian int32, or float64 for float pixel data; masked to Bits Stored and sign-extended as pixelHash
does) and, for grayscale integer images, pydicom's modality values (apply_modality_lut) as OUT/<n>.modality
(little-endian float64). Nothing is written into DIR.
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut

PIXEL_TAGS = ('PixelData', 'FloatPixelData', 'DoubleFloatPixelData')
NATIVE = ('1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99')


def canonical(arr, ds):
    """Stored values as pixelHash sees them: masked to Bits Stored and sign-extended."""
    bits_alloc = int(ds.BitsAllocated)
    bits_stored = int(getattr(ds, 'BitsStored', bits_alloc) or bits_alloc)
    signed = int(getattr(ds, 'PixelRepresentation', 0) or 0) == 1
    arr = np.asarray(arr)
    arr = arr.astype(arr.dtype.newbyteorder('='))
    if arr.dtype.kind == 'f':
        return arr.astype('<f8')
    if 1 < bits_alloc <= 32 and bits_stored < bits_alloc:
        # Native data keeps its bits where High Bit puts them; decompressors return them right-aligned.
        native = ds.file_meta.TransferSyntaxUID in NATIVE
        high = int(getattr(ds, 'HighBit', bits_stored - 1))
        shift = high + 1 - bits_stored if native and bits_stored - 1 <= high < bits_alloc else 0
        u = (arr.astype(np.int64) & ((1 << bits_alloc) - 1)) >> shift
        u = u & ((1 << bits_stored) - 1)
        if signed:
            u = np.where(u >= (1 << (bits_stored - 1)), u - (1 << bits_stored), u)
        arr = u
    return arr.astype(np.int64).astype('<i4', casting='unsafe')


def is_dicom(path):
    with open(path, 'rb') as f:
        head = f.read(132)
    return path.lower().endswith('.dcm') or head[128:132] == b'DICM'


def reference(path):
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as err:  # noqa: BLE001 - any reader failure is a finding
        return {'status': 'not-dicom', 'reason': str(err)[:160]}, None, None
    if not any(t in ds for t in PIXEL_TAGS):
        return {'status': 'no-pixels'}, None, None
    try:
        if 'TransferSyntaxUID' not in ds.file_meta:
            ds.file_meta.TransferSyntaxUID = (
                pydicom.uid.ImplicitVRLittleEndian if ds.is_implicit_VR else pydicom.uid.ExplicitVRLittleEndian
            )
        arr = ds.pixel_array
        stored = canonical(arr, ds)
    except Exception as err:  # noqa: BLE001
        return {'status': 'reference-error', 'reason': str(err).split('\n')[0][:160]}, None, None
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    spp = int(getattr(ds, 'SamplesPerPixel', 1) or 1)
    photometric = str(getattr(ds, 'PhotometricInterpretation', ''))
    entry = {
        'status': 'decoded',
        'transferSyntax': str(ds.file_meta.TransferSyntaxUID),
        'photometric': photometric,
        'frames': frames,
        'samplesPerPixel': spp,
        'float': stored.dtype.kind == 'f',
        'enhanced': 'SharedFunctionalGroupsSequence' in ds or 'PerFrameFunctionalGroupsSequence' in ds,
    }
    modality = None
    if spp == 1 and photometric in ('MONOCHROME1', 'MONOCHROME2') and not entry['float']:
        try:
            modality = np.asarray(apply_modality_lut(stored.astype(np.int64), ds), dtype='<f8')
        except Exception as err:  # noqa: BLE001 - e.g. an empty Modality LUT item
            entry['modalityError'] = str(err).split('\n')[0][:160]
    return entry, stored, modality


def decode_one(path, out, n):
    """One file, in a process of its own: GDCM can abort the interpreter on a damaged stream."""
    warnings.simplefilter('ignore')
    entry, stored, modality = reference(path)
    if stored is not None:
        entry['id'] = n
        stored.tofile(os.path.join(out, f'{n}.stored'))
        if modality is not None:
            modality.tofile(os.path.join(out, f'{n}.modality'))
    print(json.dumps(entry))


def main():
    if sys.argv[1] == '--one':
        decode_one(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    root, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    paths = sorted(os.path.join(d, n) for d, _, names in os.walk(root) for n in names)
    for n, path in enumerate(p for p in paths if is_dicom(p)):
        args = [sys.executable, os.path.abspath(__file__), '--one', path, out, str(n)]
        try:
            run = subprocess.run(args, capture_output=True, text=True, timeout=120)
            entry = json.loads(run.stdout) if run.returncode == 0 else {
                'status': 'reference-error',
                'reason': f'the reference decoder crashed (exit {run.returncode})',
            }
        except subprocess.TimeoutExpired:
            entry = {'status': 'reference-error', 'reason': 'the reference decoder ran over 120 s'}
        entry['path'] = os.path.relpath(path, root)
        print(json.dumps(entry), flush=True)


if __name__ == '__main__':
    main()
