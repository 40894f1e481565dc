"""Synthetic MIMIC-CXR-size radiographs for the import benchmark (bench/import.ts).

Writes N chest-like DICOM files (3056 x 2544, 12 bits stored in 16, MONOCHROME2, uncompressed explicit VR
little endian, with a window and a rescale) into OUT_DIR. Lungs, mediastinum, ribs, a soft-tissue falloff
and noise give PNG encoders and resizers realistic work; a flat image would flatter every contender.
Deterministic per file index. Usage: /usr/bin/python3 make_mimic_dicoms.py OUT_DIR N
"""
import os
import sys

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROWS, COLS = 3056, 2544
SOP_CLASS = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation


def chest(seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:ROWS, 0:COLS].astype(np.float32)
    yn, xn = y / ROWS, x / COLS
    img = 2600 - 900 * ((xn - 0.5) ** 2 + (yn - 0.55) ** 2)  # body, brighter in the middle
    for cx in (0.3 + rng.uniform(-0.02, 0.02), 0.7 + rng.uniform(-0.02, 0.02)):
        lung = ((xn - cx) / 0.17) ** 2 + ((yn - 0.5) / 0.3) ** 2
        img -= 1500 * np.clip(1 - lung, 0, 1) ** 0.5  # dark lung fields
    img += 900 * np.exp(-(((xn - 0.5) / 0.07) ** 2))  # mediastinum and spine
    heart = ((xn - 0.55) / 0.15) ** 2 + ((yn - 0.68) / 0.12) ** 2
    img += 700 * np.clip(1 - heart, 0, 1) ** 0.5
    ribs = np.sin(2 * np.pi * (yn * 11 + 0.6 * np.abs(xn - 0.5) ** 1.5 * 8 + rng.uniform(0, 1)))
    img += 260 * np.clip(ribs, 0, 1) ** 3 * (np.abs(xn - 0.5) > 0.06)
    img[(xn < 0.04) | (xn > 0.96) | (yn < 0.03)] = 150  # air outside the body
    img += rng.normal(0, 35, size=img.shape).astype(np.float32)  # quantum noise
    return np.clip(img, 0, 4095).astype(np.uint16)


def write(path, index):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SOP_CLASS
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[f"bench-sop-{index}"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = SOP_CLASS
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[f"bench-study-{index // 2}"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[f"bench-series-{index}"])
    ds.PatientID = f"BENCH{index // 4:04d}"
    ds.PatientName = f"Bench^Patient{index // 4}"
    ds.StudyDate = "21800101"
    ds.Modality = "DX"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA" if index % 2 == 0 else "LATERAL"
    ds.SeriesNumber = 1
    ds.InstanceNumber = index + 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
    ds.WindowCenter, ds.WindowWidth = "1900", "3600"
    ds.PixelData = chest(index).tobytes()
    ds.save_as(path, write_like_original=False)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        path = os.path.join(out, f"cxr{i:04d}.dcm")
        if not os.path.exists(path):
            write(path + ".tmp", i)
            os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
