#!/usr/bin/python3
"""Generate MedPrep's embedded sample data: a synthetic MIMIC-CXR-style tree and a PADCHEST-style set.

Everything here is synthetic. Every name, ID, date, phone number and institution is invented and chosen to
look obviously fake, so that de-identification tests can search for them. Layouts, CSV columns and traps
follow /work/shared/FORMATS.md.

Run with Debian's interpreter, which has pydicom 2.3, numpy and Pillow:

    /usr/bin/python3 scripts/gen-sample-data.py

The output is deterministic: a fixed seed, fixed dates, UIDs derived from the seed, fixed file meta and
gzip headers with mtime 0, so running it twice gives byte-identical files.
"""

import csv
import datetime
import gzip
import hashlib
import io
import json
import shutil
import textwrap
import uuid
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

SEED = 20240917
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "sample-data"

DX_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1"
CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
IMPLEMENTATION_VERSION = "MEDPREP_SAMPLE1"

CHEXPERT_LABELS = [
    "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum", "Fracture",
    "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion", "Pleural Other", "Pneumonia",
    "Pneumothorax", "Support Devices",
]


# ---------------------------------------------------------------------------------------------------------
# Deterministic identifiers


def digest(label: str) -> bytes:
    return hashlib.sha256(f"{SEED}:{label}".encode()).digest()


def uid(label: str) -> str:
    """A 2.25 UID from a version-4-shaped UUID derived from the seed, so UIDs are valid and repeatable."""
    return "2.25." + str(uuid.UUID(bytes=digest(label)[:16], version=4).int)


def int_from(label: str, low: int, high: int) -> int:
    return low + int.from_bytes(digest(label)[:8], "big") % (high - low + 1)


def digits(label: str, count: int, first: str) -> str:
    tail = str(int.from_bytes(digest(label), "big"))[-(count - 1):]
    return first + tail.rjust(count - 1, "0")


def dicom_id(label: str) -> str:
    h = digest(label).hex()
    return "-".join(h[i:i + 8] for i in range(0, 40, 8))


def rng_for(label: str) -> np.random.RandomState:
    return np.random.RandomState(int.from_bytes(digest(label)[:4], "big"))


# ---------------------------------------------------------------------------------------------------------
# Synthetic chest images. Values are "attenuation" in [0, 1]: air dark, lungs dark, bone and heart bright.


def smooth_noise(rng, rows, cols, sigma):
    field = rng.standard_normal((rows, cols))
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.fftfreq(cols)[None, :]
    kernel = np.exp(-2 * (np.pi * sigma) ** 2 * (fx ** 2 + fy ** 2))
    out = np.real(np.fft.ifft2(np.fft.fft2(field) * kernel))
    return out / (out.std() + 1e-9)


def ellipse(u, v, cu, cv, ru, rv, soft=0.08):
    """1 inside the ellipse, 0 outside, with a smooth edge."""
    r = np.sqrt(((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2)
    return np.clip((1 + soft - r) / (2 * soft), 0, 1)


def blob(u, v, cu, cv, radius):
    return np.exp(-(((u - cu) ** 2 + (v - cv) ** 2) / (2 * radius ** 2)))


def band(distance, half_width):
    return np.clip(1 - np.abs(distance) / half_width, 0, 1)


def frontal_image(rng, rows, cols, findings):
    v, u = np.mgrid[0:rows, 0:cols].astype(np.float64)
    u /= cols
    v /= rows
    img = np.full((rows, cols), 0.06)
    body = ellipse(u, v, 0.5, 0.62, 0.50, 0.62, soft=0.05)
    img += 0.40 * body
    heart_scale = 1.35 if "cardiomegaly" in findings else 1.0
    lungs = np.zeros_like(img)
    for side in (-1, 1):
        cu = 0.5 + side * 0.2
        lung = ellipse(u, v, cu, 0.47, 0.15, 0.31, soft=0.10)
        dome = 0.70 + 0.06 * ((u - cu) / 0.15) ** 2
        lung *= np.clip((dome - v) / 0.03, 0, 1)
        lungs = np.maximum(lungs, lung)
    img -= 0.27 * lungs
    mediastinum = band(u - 0.5, 0.075) * np.clip((v - 0.10) / 0.05, 0, 1)
    img += 0.22 * mediastinum
    spine = band(u - 0.5, 0.035) * (0.85 + 0.15 * np.cos(v * rows / 7.0))
    img += 0.20 * spine
    heart = ellipse(u, v, 0.54, 0.60, 0.14 * heart_scale, 0.11 * heart_scale, soft=0.15)
    img += 0.24 * heart
    for side in (-1, 1):
        du = np.abs(u - 0.5)
        for k in range(8):
            arc = 0.17 + 0.065 * k + 0.55 * (du - 0.05) ** 2 - 0.03 * (du > 0.2)
            rib = band(v - arc, 0.011) * (du > 0.06) * (du < 0.37) * (np.sign(u - 0.5) == side)
            img += 0.09 * rib * body
        clavicle_v = 0.14 - 0.09 * np.abs(u - 0.5)
        img += 0.12 * band(v - clavicle_v, 0.013) * (np.abs(u - 0.5) < 0.33) * (np.abs(u - 0.5) > 0.04)
    if "effusion" in findings:
        for cu in (0.3, 0.7):
            meniscus = np.clip((v - (0.60 + 0.15 * ((u - cu) / 0.15) ** 2)) / 0.03, 0, 1)
            img += 0.20 * meniscus * ellipse(u, v, cu, 0.47, 0.16, 0.32, soft=0.1)
    if "consolidation" in findings:
        img += 0.16 * blob(u, v, 0.30, 0.60, 0.06) * lungs
    if "nodule" in findings:
        img += 0.18 * blob(u, v, 0.72, 0.30, 0.012)
    if "mass" in findings:
        img += 0.20 * ellipse(u, v, 0.30, 0.30, 0.06, 0.045, soft=0.3)
    if "edema" in findings:
        img += 0.07 * lungs * (0.6 + 0.4 * smooth_noise(rng, rows, cols, 2.0)) * np.clip(1.1 - v, 0, 1)
    if "pneumothorax" in findings:
        img -= 0.08 * ellipse(u, v, 0.27, 0.22, 0.08, 0.07, soft=0.2)
    if "devices" in findings:
        # A catheter entering from the right neck and curving into the pulmonary artery.
        t = np.linspace(0, 1, 400)
        path_u = 0.36 + 0.14 * t + 0.04 * np.sin(t * np.pi)
        path_v = 0.05 + 0.40 * t
        for pu, pv in zip(path_u, path_v):
            img += 0.30 * (np.abs(u - pu) < 0.006) * (np.abs(v - pv) < 0.004)
        img += 0.25 * band(u - 0.5, 0.008) * (v > 0.02) * (v < 0.25)
    img += 0.018 * smooth_noise(rng, rows, cols, 3.0) + 0.006 * smooth_noise(rng, rows, cols, 0.8)
    return np.clip(img, 0, 1)


def lateral_image(rng, rows, cols, findings):
    v, u = np.mgrid[0:rows, 0:cols].astype(np.float64)
    u /= cols
    v /= rows
    img = np.full((rows, cols), 0.06)
    body = ellipse(u, v, 0.5, 0.62, 0.44, 0.62, soft=0.05)
    img += 0.42 * body
    lung = ellipse(u, v, 0.50, 0.46, 0.27, 0.32, soft=0.12)
    lung *= np.clip((0.72 + 0.10 * (u - 0.5) - v) / 0.03, 0, 1)
    img -= 0.25 * lung
    spine_u = 0.80 - 0.05 * np.cos((v - 0.5) * 2.0)
    vertebrae = band(u - spine_u, 0.05) * (0.75 + 0.25 * (np.cos(v * rows / 5.0) > -0.6))
    img += 0.26 * vertebrae * body
    heart_scale = 1.25 if "cardiomegaly" in findings else 1.0
    img += 0.20 * ellipse(u, v, 0.40, 0.62, 0.14 * heart_scale, 0.12 * heart_scale, soft=0.2)
    img += 0.15 * band(u - (0.15 + 0.05 * v), 0.01) * (v > 0.15) * (v < 0.62)
    if "effusion" in findings:
        img += 0.18 * np.clip((v - 0.64) / 0.04, 0, 1) * band(u - 0.68, 0.12)
    if "mass" in findings:
        img += 0.16 * ellipse(u, v, 0.46, 0.30, 0.06, 0.045, soft=0.3)
    img += 0.018 * smooth_noise(rng, rows, cols, 3.0) + 0.006 * smooth_noise(rng, rows, cols, 0.8)
    return np.clip(img, 0, 1)


def chest_image(label, view, rows, cols, findings):
    rng = rng_for("image:" + label)
    if view == "LATERAL" or view == "L":
        return lateral_image(rng, rows, cols, findings)
    return frontal_image(rng, rows, cols, findings)


def to_12bit(img):
    return np.round(img * 4095).astype(np.uint16)


def window_of(pixels):
    low, high = np.percentile(pixels, [2, 98])
    return int(round((low + high) / 2)), int(round(max(high - low, 256)))


# ---------------------------------------------------------------------------------------------------------
# MIMIC-CXR-style sample: fake people, studies, reports and labels

INSTITUTION = "FAKE GENERAL HOSPITAL"
INSTITUTION_ADDRESS = "123 Fake Street, Testville, ZZ 00000"
STATION = "FAKE-DX-ROOM1"
OPERATOR = "TECHNOLOGIST^FAKE"
DEVICE_SERIAL = "SN-FAKE-0001"

PATIENTS = [
    dict(key="P1", name="DOE^JANE", mrn="MRN-FAKE-0001", sex="F", birth="19570302", split="train"),
    dict(key="P2", name="TESTPATIENT^ALPHA", mrn="MRN-FAKE-0002", sex="M", birth="19480719", split="train"),
    dict(key="P3", name="SAMPLE^JOHN^Q", mrn="MRN-FAKE-0003", sex="M", birth="19790930", split="train"),
    dict(key="P4", name="FAKENAME^MARIA", mrn="MRN-FAKE-0004", sex="F", birth="19650111", split="train"),
    dict(key="P5", name="TESTPATIENT^BRAVO", mrn="MRN-FAKE-0005", sex="M", birth="19900504",
         split="validate"),
    dict(key="P6", name="PLACEHOLDER^CHRIS", mrn="MRN-FAKE-0006", sex="F", birth="19420228", split="test"),
]

PROCEDURE = {
    "PA_LAT": ("CHEST (PA AND LAT)", "CXR-PALAT"),
    "PA": ("CHEST (PA)", "CXR-PA"),
    "PORTABLE": ("CHEST (PORTABLE AP)", "CXR-PORT"),
}
VIEW_CODES = {
    "PA": ("R-10214", "postero-anterior"),
    "AP": ("R-10206", "antero-posterior"),
    "LATERAL": ("R-10236", "left lateral"),
}
ORIENTATION_CODES = {"Erect": ("F-10440", "erect"), "Recumbent": ("F-10450", "recumbent")}

NO_ACUTE_FINDINGS = (
    "The lungs are clear without focal consolidation. No pleural effusion or pneumothorax is seen. "
    "The cardiac and mediastinal silhouettes are within normal limits."
)
NO_ACUTE = "No acute cardiopulmonary process."


def label_row(**labels):
    """Label row: keys are CheXpert names with spaces replaced by underscores."""
    return {k.replace("_", " "): v for k, v in labels.items()}


# Each image: (view, modality, photometric, findings drawn into the pixels).
# Each report: a list of (section title or None, text); "" text gives a blank line; special entries
# ("TITLE", text) and ("RULE", None) give the centred titles and the addendum separator.
STUDIES = [
    dict(
        key="S1a", patient="P1", date="20210314", time="103245.120", procedure="PA_LAT", orientation="Erect",
        referring="FAKEMAN^ALAN", accession="FAKEACC0001",
        images=[("PA", "DX", "MONOCHROME2", {"consolidation", "nodule"}),
                ("LATERAL", "DX", "MONOCHROME2", set())],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA AND LAT)"),
            ("INDICATION", "Jane Doe (MRN-FAKE-0001), 64-year-old woman with cough and fever for 3 days. "
                           "Evaluate for pneumonia."),
            ("TECHNIQUE", "Chest PA and lateral."),
            ("COMPARISON", "None."),
            ("FINDINGS", "There is a focal consolidation in the right lower lobe, concerning for pneumonia. "
                         "There is a 5 mm nodule projecting over the left upper lung zone. Heart size is "
                         "normal. No pleural effusion or pneumothorax."),
            ("IMPRESSION", "1. Right lower lobe consolidation concerning for pneumonia.\n"
                           "2. 5 mm left upper lung nodule; a follow-up chest CT is recommended. Findings "
                           "were discussed with Dr. Alan Fakeman by telephone at (555) 010-0147 at 11:05 "
                           "on 03/14/2021."),
        ],
        chexpert=label_row(Consolidation="1.0", Lung_Lesion="1.0", Pneumonia="-1.0", Cardiomegaly="0.0",
                   Pleural_Effusion="0.0", Pneumothorax="0.0"),
        negbio=label_row(Consolidation="1.0", Lung_Lesion="1.0", Pneumonia="1.0", Cardiomegaly="0.0",
                 Pleural_Effusion="0.0", Pneumothorax="0.0"),
    ),
    dict(
        key="S1b", patient="P1", date="20210402", time="091512.000", procedure="PA_LAT", orientation="Erect",
        referring="TESTWELL^BETTY", accession="FAKEACC0002",
        images=[("PA", "DX", "MONOCHROME2", {"nodule"}), ("LATERAL", "DX", "MONOCHROME2", set())],
        report=[
            ("TITLE", "FINAL ADDENDUM"),
            ("ADDENDUM", "Correlation with the chest CT of March 30, 2021 confirms a stable 5 mm nodule in "
                         "the left upper lobe. Dr. Betty Testwell reviewed these results with the patient, "
                         "Jane Doe, MRN-FAKE-0001, on April 2, 2021."),
            ("RULE", None),
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA AND LAT)"),
            ("INDICATION", "Follow-up of right lower lobe pneumonia."),
            ("TECHNIQUE", "Chest PA and lateral."),
            ("COMPARISON", "Chest radiograph of March 14, 2021."),
            ("FINDINGS", "Interval improvement of the right lower lobe consolidation with minimal residual "
                         "opacity. The 5 mm nodule over the left upper lung zone is unchanged. No pleural "
                         "effusion or pneumothorax."),
            ("IMPRESSION", "Improving right lower lobe pneumonia with minimal residual opacity."),
        ],
        chexpert=label_row(Lung_Opacity="1.0", Lung_Lesion="1.0", Pneumonia="1.0", Consolidation="1.0",
                   Pleural_Effusion="0.0", Pneumothorax="0.0"),
        negbio=label_row(Lung_Opacity="1.0", Lung_Lesion="1.0", Pneumonia="1.0", Consolidation="1.0",
                 Pleural_Effusion="0.0", Pneumothorax="0.0"),
    ),
    dict(
        key="S1c", patient="P1", date="20220110", time="142200.500", procedure="PA", orientation="Erect",
        referring="FAKEMAN^ALAN", accession="FAKEACC0003",
        images=[("PA", "DX", "MONOCHROME2", {"nodule"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA)"),
            ("INDICATION", "Pre-operative evaluation."),
            ("TECHNIQUE", "Single PA view of the chest."),
            ("COMPARISON", "04/02/2021."),
            ("FINDINGS", NO_ACUTE_FINDINGS),
            ("IMPRESSION", NO_ACUTE),
        ],
        chexpert=label_row(No_Finding="1.0", Consolidation="0.0", Pleural_Effusion="0.0", Pneumothorax="0.0"),
        negbio=label_row(No_Finding="1.0", Consolidation="0.0", Pleural_Effusion="0.0", Pneumothorax="0.0"),
    ),
    dict(
        key="S2a", patient="P2", date="20200605", time="031510.000", procedure="PORTABLE",
        orientation="Recumbent", referring="NOTREAL^CARL", accession="FAKEACC0004",
        images=[("AP", "CR", "MONOCHROME1", {"cardiomegaly", "effusion", "edema", "devices"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PORTABLE AP)"),
            ("INDICATION", "71-year-old man after CABG. Evaluate lines and tubes."),
            ("TECHNIQUE", "Single portable AP view of the chest."),
            ("COMPARISON", "06/04/2020."),
            ("FINDINGS", "The endotracheal tube terminates 4.5 cm above the carina. A Swan-Ganz catheter "
                         "terminates in the right pulmonary artery. The heart is enlarged. There are Kerley "
                         "B lines and perihilar haziness consistent with moderate pulmonary edema. Small "
                         "bilateral pleural effusions with bibasilar atelectasis. No pneumothorax."),
            ("IMPRESSION", "1. Moderate pulmonary edema and cardiomegaly.\n"
                           "2. Small bilateral pleural effusions and bibasilar atelectasis.\n"
                           "3. Lines and tubes in standard position."),
            ("NOTIFICATION", "Dr. Carl Notreal was paged at (555) 010-0199 at 04:10 on June 5, 2020."),
        ],
        chexpert=label_row(Atelectasis="1.0", Cardiomegaly="1.0", Edema="1.0", Pleural_Effusion="1.0",
                   Pneumothorax="0.0", Support_Devices="1.0"),
        negbio=label_row(Atelectasis="1.0", Cardiomegaly="1.0", Edema="1.0", Pleural_Effusion="1.0",
                 Pneumothorax="0.0", Support_Devices="1.0"),
    ),
    dict(
        key="S2b", patient="P2", date="20200609", time="101500.000", procedure="PA_LAT", orientation="Erect",
        referring="NOTREAL^CARL", accession="FAKEACC0005",
        images=[("PA", "DX", "MONOCHROME2", {"cardiomegaly", "effusion"}),
                ("LATERAL", "DX", "MONOCHROME2", {"cardiomegaly", "effusion"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("IMPRESSION", "Interval improvement in pulmonary edema, now mild. Persistent small left pleural "
                           "effusion. Stable moderate cardiomegaly."),
        ],
        chexpert=label_row(Cardiomegaly="1.0", Edema="1.0", Pleural_Effusion="1.0"),
        negbio=label_row(Cardiomegaly="1.0", Edema="1.0", Pleural_Effusion="1.0"),
    ),
    dict(
        key="S3a", patient="P3", date="20190822", time="160405.000", procedure="PA_LAT", orientation="Erect",
        referring="FAKEMAN^ALAN", accession="FAKEACC0006",
        images=[("PA", "DX", "MONOCHROME2", set()), ("LATERAL", "DX", "MONOCHROME2", set())],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("HISTORY", "40-year-old man (John Q. Sample, DOB 09/30/1979) with atypical chest pain."),
            (None, "PA AND LATERAL CHEST RADIOGRAPHS compared to none available."),
            (None, "The lungs are well expanded and clear. The heart is normal in size. The mediastinal "
                   "and hilar contours are normal. There is no pleural effusion or pneumothorax."),
            (None, "Normal chest radiographs without evidence of pneumonia or pneumothorax."),
        ],
        chexpert=label_row(No_Finding="1.0", Cardiomegaly="0.0", Pleural_Effusion="0.0", Pneumonia="0.0",
                   Pneumothorax="0.0"),
        negbio=label_row(No_Finding="1.0", Cardiomegaly="0.0", Pleural_Effusion="0.0", Pneumonia="0.0",
                 Pneumothorax="0.0"),
    ),
    dict(
        key="S4a", patient="P4", date="20211103", time="083000.000", procedure="PA_LAT", orientation="Erect",
        referring="TESTWELL^BETTY", accession="FAKEACC0007",
        images=[("PA", "DX", "MONOCHROME2", set()), ("LATERAL", "DX", "MONOCHROME2", set())],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA AND LAT)"),
            ("INDICATION", "Shortness of breath."),
            ("TECHNIQUE", "Chest PA and lateral."),
            ("COMPARISON", "None."),
            ("FINDINGS", NO_ACUTE_FINDINGS),
            ("IMPRESSION", NO_ACUTE),
        ],
        chexpert=label_row(No_Finding="1.0", Consolidation="0.0", Pleural_Effusion="0.0", Pneumothorax="0.0"),
        negbio=label_row(No_Finding="1.0", Consolidation="0.0", Pleural_Effusion="0.0", Pneumothorax="0.0"),
    ),
    dict(
        key="S4b", patient="P4", date="20220215", time="113000.000", procedure="PA_LAT", orientation="Erect",
        referring="TESTWELL^BETTY", accession="FAKEACC0008",
        images=[("PA", "DX", "MONOCHROME2", {"mass"}), ("LATERAL", "DX", "MONOCHROME1", {"mass"}),
                ("PA", "DX", "MONOCHROME2", {"mass"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA AND LAT)"),
            ("HISTORY", "56-year-old smoker with weight loss."),
            ("TECHNIQUE", "Chest PA and lateral. The PA view was repeated because of patient motion."),
            ("COMPARISON", "Chest radiograph of November 3, 2021."),
            ("FINDINGS", "There is a new 3.2 x 2.1 cm spiculated mass in the right upper lobe. No pleural "
                         "effusion. No pneumothorax. The heart size is normal."),
            ("CONCLUSION", "New right upper lobe mass measuring 3.2 x 2.1 cm, suspicious for malignancy. "
                           "Chest CT is recommended. Results were communicated to Dr. Betty Testwell on "
                           "February 15, 2022 at 12:15."),
        ],
        chexpert=label_row(Lung_Lesion="1.0", Cardiomegaly="0.0", Pleural_Effusion="0.0", Pneumothorax="0.0"),
        negbio=label_row(Lung_Lesion="1.0", Cardiomegaly="0.0", Pleural_Effusion="0.0", Pneumothorax="0.0"),
    ),
    dict(
        key="S5a", patient="P5", date="20200117", time="201200.000", procedure="PORTABLE",
        orientation="Recumbent", referring="NOTREAL^CARL", accession="FAKEACC0009",
        images=[("AP", "DX", "MONOCHROME2", {"pneumothorax"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("WET READ", "CTN FRI 01/17/2020 8:30 PM Small right apical pneumothorax."),
            ("EXAMINATION", "CHEST (PORTABLE AP)"),
            ("INDICATION", "29-year-old man after a fall from a bicycle, right chest wall pain."),
            ("COMPARISON", "None."),
            ("FINDINGS", "There is a small right apical pneumothorax. There is an acute fracture of the "
                         "right posterolateral sixth rib. No mediastinal shift. No pleural effusion."),
            ("IMPRESSION", "Small right apical pneumothorax and right sixth rib fracture."),
        ],
        chexpert=label_row(Fracture="1.0", Pleural_Effusion="0.0", Pneumothorax="1.0"),
        negbio=label_row(Fracture="1.0", Pleural_Effusion="0.0", Pneumothorax="1.0"),
    ),
    dict(
        key="S6a", patient="P6", date="20190310", time="090000.000", procedure="PA_LAT", orientation="Erect",
        referring="FAKEMAN^ALAN", accession="FAKEACC0010",
        images=[("PA", "DX", "MONOCHROME2", set()), ("LATERAL", "DX", "MONOCHROME2", set())],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA AND LAT)"),
            ("INDICATION", "77-year-old woman with dyspnea."),
            ("TECHNIQUE", "Chest PA and lateral."),
            ("COMPARISON", "None."),
            ("FINDINGS", "Lung volumes are low. The cardiomediastinal silhouette is possibly enlarged, "
                         "perhaps accentuated by the low lung volumes. Linear opacity at the left base is "
                         "likely atelectasis. No pneumothorax."),
            ("IMPRESSION", "Low lung volumes with left basilar opacity, likely atelectasis. Possible "
                           "enlargement of the cardiomediastinal silhouette."),
        ],
        chexpert=label_row(Atelectasis="-1.0", Enlarged_Cardiomediastinum="-1.0", Lung_Opacity="1.0",
                   Pneumothorax="0.0"),
        negbio=label_row(Atelectasis="1.0", Enlarged_Cardiomediastinum="-1.0", Lung_Opacity="1.0",
                 Pneumothorax="0.0"),
    ),
    dict(
        key="S6b", patient="P6", date="20190312", time="120000.000", procedure="PORTABLE",
        orientation="Recumbent", referring="FAKEMAN^ALAN", accession="FAKEACC0011",
        images=[("AP", "DX", "MONOCHROME2", {"devices"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PORTABLE AP)"),
            ("REASON FOR EXAMINATION", "Pacemaker placement on 03/12/2019."),
            ("COMPARISON", "March 10, 2019."),
            ("FINDINGS", "A dual-lead pacemaker has been placed with leads terminating in the right atrium "
                         "and right ventricle. Right apical pleural thickening is unchanged. No "
                         "pneumothorax."),
            ("IMPRESSION", "Dual-lead pacemaker in standard position. No pneumothorax."),
        ],
        chexpert=label_row(Pleural_Other="1.0", Pneumothorax="0.0", Support_Devices="1.0"),
        negbio=label_row(Pleural_Other="1.0", Pneumothorax="0.0", Support_Devices="1.0"),
    ),
    dict(
        key="S6c", patient="P6", date="20200920", time="154530.250", procedure="PA", orientation="Erect",
        referring="TESTWELL^BETTY", accession="FAKEACC0012",
        images=[("PA", "DX", "MONOCHROME2", {"cardiomegaly", "devices"})],
        report=[
            ("TITLE", "FINAL REPORT"),
            ("EXAMINATION", "CHEST (PA)"),
            ("INDICATION", "Follow-up."),
            ("COMPARISON", "03/12/2019."),
            ("FINDINGS", "Mild cardiomegaly is stable. The pacemaker leads are unchanged. No focal "
                         "consolidation. Right apical pleural thickening is unchanged."),
            ("IMPRESSION", "Stable mild cardiomegaly. No acute process."),
        ],
        chexpert=label_row(Cardiomegaly="1.0", Consolidation="0.0", Pleural_Other="1.0",
                           Support_Devices="1.0"),
        negbio=label_row(Cardiomegaly="1.0", Consolidation="0.0", Pleural_Other="1.0",
                         Support_Devices="1.0"),
    ),
]


NBSP = "\u00a0"
# Planted identifiers and key terms are kept on one line so that tests can find them with a plain search.
UNBROKEN = [
    "Jane Doe", "John Q. Sample", "Dr. Alan Fakeman", "Dr. Betty Testwell", "Dr. Carl Notreal",
    "(555) 010-0147", "(555) 010-0199", "March 14, 2021", "March 30, 2021", "April 2, 2021", "June 5, 2020",
    "November 3, 2021", "February 15, 2022", "March 10, 2019", "5 mm", "3.2 x 2.1 cm", "Kerley B lines",
    "4.5 cm", "12:15", "8:30 PM",
]

# The identifiers planted in the report text; each report's list in planted-identifiers.json is computed
# from this, so the list can never claim a phrase the text lacks.
REPORT_IDENTIFIERS = [
    "Jane Doe", "John Q. Sample", "MRN-FAKE-0001", "Dr. Alan Fakeman", "Dr. Betty Testwell",
    "Dr. Carl Notreal", "(555) 010-0147", "(555) 010-0199", "CTN", "03/14/2021", "04/02/2021", "06/04/2020",
    "01/17/2020", "03/12/2019", "09/30/1979", "March 14, 2021", "March 30, 2021", "April 2, 2021",
    "June 5, 2020", "November 3, 2021", "February 15, 2022", "March 10, 2019",
]


def report_text(entries):
    lines = []
    for title, text in entries:
        if title == "TITLE":
            if lines and not lines[-1].startswith(" ___"):
                lines.append(" ")
            lines.append(" " * 33 + text)
            continue
        if lines and not lines[-1].startswith(" " * 33):
            lines.append(" ")
        if title == "RULE":
            lines.append(" " + "_" * 78)
            continue
        paragraphs = text.split("\n")
        paragraphs[0] = f"{title}:  {paragraphs[0]}" if title else paragraphs[0]
        for paragraph in paragraphs:
            for phrase in UNBROKEN:
                paragraph = paragraph.replace(phrase, phrase.replace(" ", NBSP))
            wrapped = textwrap.wrap(paragraph, width=78, break_on_hyphens=False)
            lines.extend(" " + line.replace(NBSP, " ") for line in wrapped)
    return "\n".join(lines) + "\n"


def age(birth, date):
    b = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    d = datetime.date(int(date[:4]), int(date[4:6]), int(date[6:]))
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def code_item(value, meaning, scheme="SRT"):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def write_dicom(path, patient, study, series_number, instance_number, image, rows, cols, ids):
    view, modality, photometric, findings = image
    # A CR image gets the CR IOD: Modality CR is invalid in the DX IOD.
    sop_class = CR_IMAGE_STORAGE if modality == "CR" else DX_FOR_PRESENTATION
    pixels = to_12bit(chest_image(ids["dicom_id"], view, rows, cols, findings))
    center, width = window_of(pixels)
    if photometric == "MONOCHROME1":
        pixels = 4095 - pixels
        center = 4095 - center

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = ids["sop"]
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid("implementation")
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION

    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = False

    date, time = study["date"], study["time"]
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.InstanceCreationDate = date
    ds.InstanceCreationTime = time
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ids["sop"]
    ds.StudyDate = date
    ds.SeriesDate = date
    ds.AcquisitionDate = date
    ds.ContentDate = date
    ds.StudyTime = time
    ds.SeriesTime = time
    ds.AcquisitionTime = time
    ds.ContentTime = time
    ds.AccessionNumber = study["accession"]
    ds.Modality = modality
    ds.Manufacturer = "FAKEVENDOR"
    ds.InstitutionName = INSTITUTION
    ds.InstitutionAddress = INSTITUTION_ADDRESS
    ds.ReferringPhysicianName = study["referring"]
    ds.StationName = STATION
    procedure, procedure_code = PROCEDURE[study["procedure"]]
    ds.ProcedureCodeSequence = Sequence([code_item(procedure_code, procedure, "99MEDPREP")])
    ds.StudyDescription = procedure
    ds.SeriesDescription = f"CHEST {view}"
    ds.OperatorsName = OPERATOR
    ds.ManufacturerModelName = "FAKE DR 1000"
    ds.PatientName = patient["name"]
    ds.PatientID = patient["mrn"]
    ds.PatientBirthDate = patient["birth"]
    ds.PatientSex = patient["sex"]
    ds.PatientAge = f"{age(patient['birth'], date):03d}Y"
    ds.BodyPartExamined = "CHEST"
    ds.KVP = "110" if view != "LATERAL" else "125"
    ds.DeviceSerialNumber = DEVICE_SERIAL
    ds.SoftwareVersions = "FAKE 1.0"
    ds.ExposureTime = 12 if view != "LATERAL" else 20
    ds.XRayTubeCurrent = 250
    ds.Exposure = 3
    ds.ImagerPixelSpacing = ["1.75", "1.75"]
    ds.ViewPosition = view
    ds.StudyInstanceUID = ids["study"]
    ds.SeriesInstanceUID = ids["series"]
    ds.StudyID = study["accession"][-4:]
    ds.SeriesNumber = series_number
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = instance_number
    ds.PatientOrientation = ["P", "F"] if view == "LATERAL" else ["L", "F"]
    ds.ImageLaterality = "U"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.BurnedInAnnotation = "NO"
    ds.WindowCenter = str(center)
    ds.WindowWidth = str(width)
    ds.WindowCenterWidthExplanation = "NORMAL"
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.RescaleType = "US"
    ds.LossyImageCompression = "00"
    ds.PresentationLUTShape = "INVERSE" if photometric == "MONOCHROME1" else "IDENTITY"
    ds.AnatomicRegionSequence = Sequence([code_item("T-D3000", "Chest")])
    if modality == "DX":
        # Attributes of the DX modules that the CR Image IOD does not have.
        ds.PresentationIntentType = "FOR PRESENTATION"
        ds.PixelIntensityRelationship = "LOG"
        ds.PixelIntensityRelationshipSign = 1 if photometric == "MONOCHROME1" else -1
        ds.AcquisitionContextSequence = Sequence()
        ds.ViewCodeSequence = Sequence([code_item(*VIEW_CODES[view])])
        ds.ViewCodeSequence[0].ViewModifierCodeSequence = Sequence()
        ds.PatientOrientationCodeSequence = Sequence([code_item(*ORIENTATION_CODES[study["orientation"]])])
        ds.PositionerType = "COLUMN" if study["orientation"] == "Erect" else "NONE"
        ds.DetectorType = "SCINTILLATOR"
        ds.DetectorConfiguration = "AREA"
        ds.DistanceSourceToDetector = "1800" if study["procedure"] != "PORTABLE" else "1000"
    # A private block carrying the patient's name, which de-identification must drop.
    block = ds.private_block(0x0019, "FAKEVENDOR PRIVATE", create=True)
    block.add_new(0x01, "LO", f"Scanned for {patient['name']} {patient['mrn']}")
    ds.PixelData = pixels.astype("<u2").tobytes()
    ds["PixelData"].VR = "OW"
    ds.save_as(str(path), write_like_original=False)


def write_csv_gz(path, header, rows):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename=path.name[:-3], mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.getvalue().encode())


def metadata_time(time):
    """MIMIC's metadata CSV holds StudyTime as a float (pandas), so 091512.000 is written 91512.0."""
    return repr(float(time))


def gen_mimic(out):
    patients = {p["key"]: p for p in PATIENTS}
    for p in PATIENTS:
        p["subject_id"] = digits("subject:" + p["key"], 8, "1")
    records, study_rows, metadata, split, chexpert, negbio = [], [], [], [], [], []
    planted_reports = {}
    for study in STUDIES:
        patient = patients[study["patient"]]
        subject_id = patient["subject_id"]
        study_id = digits("study:" + study["key"], 8, "5")
        group = f"p{subject_id[:2]}"
        study_dir = out / "files" / group / f"p{subject_id}" / f"s{study_id}"
        study_dir.mkdir(parents=True, exist_ok=True)
        text = report_text(study["report"])
        (study_dir.parent / f"s{study_id}.txt").write_text(text)
        found = [phrase for phrase in REPORT_IDENTIFIERS if phrase in text]
        assert all(any(phrase in line for line in text.splitlines()) for phrase in found), study["key"]
        if found:
            planted_reports[f"files/{group}/p{subject_id}/s{study_id}.txt"] = found
        study_rows.append([subject_id, study_id, f"files/{group}/p{subject_id}/s{study_id}.txt"])
        study_uid = uid("study:" + study["key"])
        procedure = PROCEDURE[study["procedure"]][0]
        for n, image in enumerate(study["images"], start=1):
            view = image[0]
            did = dicom_id(f"dicom:{study['key']}:{n}")
            rows, cols = (240, 220) if view == "LATERAL" else (240, 200)
            ids = dict(dicom_id=did, study=study_uid, series=uid(f"series:{study['key']}:{n}"),
                       sop=uid(f"sop:{study['key']}:{n}"))
            write_dicom(study_dir / f"{did}.dcm", patient, study, n, 1, image, rows, cols, ids)
            rel = f"files/{group}/p{subject_id}/s{study_id}/{did}.dcm"
            records.append([subject_id, study_id, did, rel])
            metadata.append([did, subject_id, study_id, procedure, view, rows, cols, study["date"],
                             metadata_time(study["time"]), procedure, VIEW_CODES[view][1],
                             ORIENTATION_CODES[study["orientation"]][1].capitalize()])
            split.append([did, study_id, subject_id, patient["split"]])
        for table, labels in ((chexpert, study["chexpert"]), (negbio, study["negbio"])):
            unknown = set(labels) - set(CHEXPERT_LABELS)
            assert not unknown, unknown
            table.append([subject_id, study_id] + [labels.get(name, "") for name in CHEXPERT_LABELS])

    for rows in (records, study_rows, metadata, split, chexpert, negbio):
        rows.sort(key=lambda r: tuple(str(x) for x in r[:3]))
    split.sort(key=lambda r: (r[2], r[1], r[0]))
    write_csv_gz(out / "cxr-record-list.csv.gz", ["subject_id", "study_id", "dicom_id", "path"], records)
    write_csv_gz(out / "cxr-study-list.csv.gz", ["subject_id", "study_id", "path"], study_rows)
    write_csv_gz(out / "mimic-cxr-2.0.0-metadata.csv.gz",
                 ["dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition",
                  "Rows", "Columns", "StudyDate", "StudyTime", "ProcedureCodeSequence_CodeMeaning",
                  "ViewCodeSequence_CodeMeaning", "PatientOrientationCodeSequence_CodeMeaning"], metadata)
    write_csv_gz(out / "mimic-cxr-2.0.0-split.csv.gz", ["dicom_id", "study_id", "subject_id", "split"], split)
    label_header = ["subject_id", "study_id"] + CHEXPERT_LABELS
    write_csv_gz(out / "mimic-cxr-2.0.0-chexpert.csv.gz", label_header, chexpert)
    write_csv_gz(out / "mimic-cxr-2.0.0-negbio.csv.gz", label_header, negbio)
    planted = {
        "note": "Every value below is invented. De-identified output must contain none of them.",
        "dicom_headers": {
            "PatientName": [p["name"] for p in PATIENTS],
            "PatientID": [p["mrn"] for p in PATIENTS],
            "PatientBirthDate": [p["birth"] for p in PATIENTS],
            "ReferringPhysicianName": sorted({s["referring"] for s in STUDIES}),
            "AccessionNumber": [s["accession"] for s in STUDIES],
            "InstitutionName": [INSTITUTION],
            "InstitutionAddress": [INSTITUTION_ADDRESS],
            "StationName": [STATION],
            "OperatorsName": [OPERATOR],
            "DeviceSerialNumber": [DEVICE_SERIAL],
            "StudyDate": sorted({s["date"] for s in STUDIES}),
            "PrivateCreator (0019,0010)": ["FAKEVENDOR PRIVATE"],
            "Private (0019,1001)": [f"Scanned for {p['name']} {p['mrn']}" for p in PATIENTS],
        },
        "reports": dict(sorted(planted_reports.items())),
    }
    (out / "planted-identifiers.json").write_text(json.dumps(planted, indent=2) + "\n")
    return len(records), len(study_rows)


# ---------------------------------------------------------------------------------------------------------
# PADCHEST-style sample

PADCHEST_COLUMNS = [
    "", "ImageID", "ImageDir", "StudyDate_DICOM", "StudyID", "PatientID", "PatientBirth", "PatientSex_DICOM",
    "ViewPosition_DICOM", "Projection", "MethodProjection", "Pediatric", "Modality_DICOM",
    "Manufacturer_DICOM",
    "PhotometricInterpretation_DICOM", "PixelRepresentation_DICOM", "PixelAspectRatio_DICOM",
    "SpatialResolution_DICOM", "BitsStored_DICOM", "WindowCenter_DICOM", "WindowWidth_DICOM", "Rows_DICOM",
    "Columns_DICOM", "XRayTubeCurrent_DICOM", "Exposure_DICOM", "ExposureInuAs_DICOM", "ExposureTime",
    "RelativeXRayExposure_DICOM", "ReportID", "Report", "MethodLabel", "Labels", "Localizations",
    "LabelsLocalizationsBySentence", "labelCUIS", "LocalizationsCUIS",
]

# (study, projection, findings drawn, report, method, labels, localizations, by sentence, label CUIs,
#  localization CUIs, case). Lists are written exactly as the real CSV spells them: Python reprs whose items
# after the first carry a stray leading space, and numpy reprs (no commas) for the CUI columns.
PADCHEST_ROWS = [
    ("A", "PA", set(), "siluet cardiomediastin dentr limit normal . no se observ infiltr ni derram pleural .",
     "Physician", "['normal']", "[]", "[['normal'], ['normal']]", "[]", "[]", "ok"),
    ("A", "L", set(), "siluet cardiomediastin dentr limit normal . no se observ infiltr ni derram pleural .",
     "Physician", "['normal']", "[]", "[['normal'], ['normal']]", "[]", "[]", "ok"),
    ("B", "PA", {"consolidation"}, "infiltr alveolar en lobul inferior derech compatibl con neumoni .",
     "Physician", "['infiltrates', ' pneumonia']", "['loc basal', ' loc right']",
     "[['infiltrates', 'pneumonia', 'loc basal', 'loc right']]", "['C0277877' 'C0032285']",
     "['C1282910' 'C0205090']", "ok"),
    ("C", "PA", {"cardiomegaly"}, "cardiomegali . senos costofren libr .", "RNN_model", "['cardiomegaly']",
     "['loc  cardiac']", "[['cardiomegaly', 'loc  cardiac'], ['exclude']]", "['C0018800']", "['C1522601']",
     "ok"),
    ("D", "PA", {"effusion"}, "pinzamient de sen costofren izquierd por derram pleural .", "RNN_model",
     "['pleural effusion', ' costophrenic angle blunting']", "['loc costophrenic angle', ' loc left']",
     "[['pleural effusion', 'costophrenic angle blunting', 'loc costophrenic angle', 'loc left']]",
     "['C0032227' 'C0239029']", "['C0230151' 'C0205091']", "ok"),
    ("D", "L", {"effusion"}, "pinzamient de sen costofren izquierd por derram pleural .", "RNN_model",
     "['pleural effusion', ' costophrenic angle blunting']", "['loc costophrenic angle', ' loc left']",
     "[['pleural effusion', 'costophrenic angle blunting', 'loc costophrenic angle', 'loc left']]",
     "['C0032227' 'C0239029']", "['C0230151' 'C0205091']", "ok"),
    ("E", "PA", set(), "comparacion con estudi previ sin cambi signific .", "RNN_model", "", "", "", "", "",
     "empty-labels"),
    ("F", "AP", {"devices", "cardiomegaly"}, "marcapas con electrod en ventricul derech . cardiomegali .",
     "Physician", "['pacemaker', ' electrical device', ' cardiomegaly']", "['loc cardiac']",
     "[['pacemaker', 'electrical device'], ['cardiomegaly', 'loc cardiac']]",
     "['C0030163' 'C0013812' 'C0018800']", "['C1522601']", "ok"),
    ("G", "PA", {"nodule"}, "nodul pulmonar en lobul superior izquierd .", "Physician", "['nodule']",
     "['loc upper lobe', ' loc left']", "[['nodule', 'loc upper lobe', 'loc left']]", "['C0028259']",
     "['C0225756' 'C0205091']", "ok"),
    ("H", "AP_horizontal", set(), "signo de epoc con atrapamient aere .", "RNN_model",
     "['COPD signs', ' air trapping']", "[]", "[['COPD signs', 'air trapping']]", "['C0024117' 'C0231804']",
     "[]", "ok"),
    ("I", "PA", set(), "escoliosis dorsal . elongacion aortic .", "RNN_model",
     "['scoliosis', ' aortic elongation']", "['loc dorsal vertebrae']",
     "[['scoliosis', 'loc dorsal vertebrae'], ['aortic elongation']]", "['C0036439' 'C0746971']",
     "['C0039986']", "ok"),
    ("J", "PA", set(), "sin hallazg patolog .", "Physician", "['normal']", "[]", "[['normal']]", "[]", "[]",
     "truncated-png"),
    ("K", "PA", {"pneumothorax"}, "neumotorax apical derech .", "Physician", "['pneumothorax']",
     "['loc apical', ' loc right']", "[['pneumothorax', 'loc apical', 'loc right']]", "['C0032326']",
     "['C0243092' 'C0205090']", "missing-file"),
]

PADCHEST_STUDIES = {
    "A": dict(date="20090331", birth="1959.0", sex="M", pediatric="No", manufacturer="PhilipsMedicalSystems"),
    "B": dict(date="20120704", birth="1943.0", sex="F", pediatric="No", manufacturer="SIEMENS"),
    "C": dict(date="20150112", birth="1938.0", sex="M", pediatric="No", manufacturer="SIEMENS"),
    "D": dict(date="20101109", birth="1951.0", sex="F", pediatric="No", manufacturer="PhilipsMedicalSystems"),
    "E": dict(date="20140226", birth="", sex="F", pediatric="No", manufacturer="SIEMENS"),
    "F": dict(date="20160817", birth="1930.0", sex="M", pediatric="No",
              manufacturer="Imaging Dynamics Company Ltd."),
    "G": dict(date="20130530", birth="1966.0", sex="F", pediatric="No", manufacturer="PhilipsMedicalSystems"),
    "H": dict(date="20170919", birth="1948.0", sex="M", pediatric="No",
              manufacturer="Imaging Dynamics Company Ltd."),
    "I": dict(date="20110215", birth="2004.0", sex="F", pediatric="PED", manufacturer="SIEMENS"),
    "J": dict(date="20150623", birth="1972.0", sex="M", pediatric="No", manufacturer="PhilipsMedicalSystems"),
    "K": dict(date="20120101", birth="1985.0", sex="M", pediatric="No", manufacturer="SIEMENS"),
}

VIEW_POSITION_DICOM = {"PA": "POSTEROANTERIOR", "L": "LATERAL", "AP": "AP", "AP_horizontal": "AP"}


def save_png16(path, pixels):
    Image.fromarray(pixels.astype(np.uint16), mode="I;16").save(path, format="PNG", compress_level=9)
    header = path.read_bytes()[:26]
    # IHDR: bit depth 16, colour type 0 (greyscale).
    assert header[12:16] == b"IHDR" and header[24] == 16 and header[25] == 0, path


def gen_padchest(out):
    rows = []
    patient_ids = {}
    for index, (study, projection, findings, report, method, labels, locs, by_sentence, cuis, loc_cuis,
                case) in enumerate(PADCHEST_ROWS):
        info = PADCHEST_STUDIES[study]
        patient_ids.setdefault(study, digits("padchest-patient:" + study, 36, "8"))
        image_id = (digits(f"padchest-image:{index}", 45, "2")
                    + f"_00-{int_from(f'padchest-suffix:{index}', 10, 199):03d}"
                    + f"-{int_from(f'padchest-suffix2:{index}', 100, 999)}.png")
        image_dir = index % 2
        height, width = (240, 220) if projection == "L" else (240, 200)
        bits = 12 if info["manufacturer"] != "SIEMENS" else 10
        monochrome1 = info["manufacturer"] == "Imaging Dynamics Company Ltd."
        if case != "missing-file":
            img = chest_image(f"padchest:{index}", projection, height, width, findings)
            raw = np.round(img * (2 ** bits - 1))
            low, high = np.percentile(raw, [1, 99])
            windowed = np.clip((raw - low) / (high - low), 0, 1)
            # The low nibble stays empty, as in a 12-bit source scaled to 16 bits; it also keeps files small.
            pixels = (np.round(windowed * 4095) * 16).astype(np.uint16)
            path = out / str(image_dir) / image_id
            path.parent.mkdir(parents=True, exist_ok=True)
            save_png16(path, pixels)
            if case == "truncated-png":
                data = path.read_bytes()
                path.write_bytes(data[: len(data) * 2 // 5])
        window_center, window_width = (2 ** bits) // 2, 2 ** bits
        rows.append([
            index, image_id, image_dir, info["date"], digits("padchest-study:" + study, 38, "2"),
            patient_ids[study], info["birth"], info["sex"], VIEW_POSITION_DICOM[projection], projection,
            "Manual review of DICOM fields", info["pediatric"], "CR" if bits == 10 else "DX",
            info["manufacturer"], "MONOCHROME1" if monochrome1 else "MONOCHROME2", 0, "",
            "0.139" if bits == 12 else "0.143", bits, window_center, window_width, height, width,
            int_from(f"padchest-ma:{index}", 160, 400), int_from(f"padchest-mas:{index}", 2, 8),
            "" if bits == 10 else int_from(f"padchest-uas:{index}", 2000, 8000),
            int_from(f"padchest-ms:{index}", 8, 30),
            "" if index % 3 else int_from(f"padchest-rel:{index}", 90, 300),
            int_from("padchest-report:" + study, 1000000, 4999999), report, method, labels, locs, by_sentence,
            cuis, loc_cuis,
        ])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(PADCHEST_COLUMNS)
    writer.writerows(rows)
    (out / "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv").write_text(text.getvalue())
    return len(rows)


def main():
    if OUT.exists():
        shutil.rmtree(OUT / "mimic-cxr", ignore_errors=True)
        shutil.rmtree(OUT / "padchest", ignore_errors=True)
    (OUT / "mimic-cxr").mkdir(parents=True, exist_ok=True)
    (OUT / "padchest").mkdir(parents=True, exist_ok=True)
    images, studies = gen_mimic(OUT / "mimic-cxr")
    padchest_rows = gen_padchest(OUT / "padchest")
    print(f"mimic-cxr: {studies} studies, {images} images; padchest: {padchest_rows} rows -> {OUT}")


if __name__ == "__main__":
    main()
