"""Baseline for bench/import.ts: the import pipeline as a researcher writes it with pydicom, numpy and Pillow.

Per file: read, stored values -> modality values (Rescale Slope/Intercept), VOI LINEAR window (PS3.3
C.11.2.1.2.1) to 8 bits, MONOCHROME1 inverted, a 512-px PNG (LANCZOS), a 256-px PNG thumbnail, a SHA-256
of the pixel bytes and a 64-bit DCT perceptual hash of the rendered image (the imagehash.phash recipe:
32x32 LANCZOS, 2-D DCT, 8x8 low frequencies above their median; numpy, as Debian has no imagehash/scipy). Usage: /usr/bin/python3 pydicom_pipeline.py OUT_DIR [--processes N] FILE...
(one process unless --processes says otherwise; multiprocessing.Pool(N) then).
"""
import hashlib
import os
import sys
from multiprocessing import Pool

import numpy as np
import pydicom
from PIL import Image

OUT = ""


def fit(img, size):
    w, h = img.size
    scale = min(size / w, size / h, 1)
    return img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)


N = 32
DCT = np.cos(np.pi * (2 * np.arange(N)[None, :] + 1) * np.arange(N)[:, None] / (2 * N))


def phash(img):
    small = np.asarray(img.resize((N, N), Image.LANCZOS), dtype=np.float64)
    low = (DCT @ small @ DCT.T)[:8, :8]
    bits = (low > np.median(low)).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def window(values, center, width):
    c, w = center - 0.5, width - 1
    y = ((values - c) / w + 0.5) * 255
    y[values <= c - w / 2] = 0
    y[values > c + w / 2] = 255
    return np.clip(np.round(y), 0, 255).astype(np.uint8)


def process(path):
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array
    digest = hashlib.sha256(stored.tobytes()).hexdigest()
    values = stored * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    center = ds.get("WindowCenter")
    width = ds.get("WindowWidth")
    if center is None or width is None:
        center, width = (values.max() + values.min()) / 2, max(1.0, values.max() - values.min())
    first = lambda v: float(v[0]) if isinstance(v, pydicom.multival.MultiValue) else float(v)
    pixels = window(values, first(center), first(width))
    if ds.PhotometricInterpretation == "MONOCHROME1":
        pixels = 255 - pixels
    img = Image.fromarray(pixels)
    name = os.path.splitext(os.path.basename(path))[0]
    fit(img, 512).save(os.path.join(OUT, f"{name}.512.png"))
    fit(img, 256).save(os.path.join(OUT, f"{name}.256.png"))
    return digest, phash(img)


def main():
    global OUT
    args = sys.argv[1:]
    OUT = args.pop(0)
    processes = 1
    if args and args[0] == "--processes":
        processes = int(args[1])
        args = args[2:]
    os.makedirs(OUT, exist_ok=True)
    if processes == 1:
        digests = [process(p) for p in args]
    else:
        with Pool(processes) as pool:
            digests = pool.map(process, args, chunksize=1)
    print(len(digests))


if __name__ == "__main__":
    main()
