#!/usr/bin/python3
"""Fixtures for electron/engine/deid-dicom (pydicom 2.3), and the IOD type probe behind
resources/dicom/iod-types.json.

    /usr/bin/python3 scripts/make-deid-fixtures.py                    # writes test/fixtures/deid-dicom/
    /usr/bin/python3 scripts/make-deid-fixtures.py --probe-iod-types  # prints the iods block (needs dciodvfy)

all-attributes.dcm carries every Table E.1-1 attribute pydicom's dictionary knows, each with a
recognisable value (ID_<keyword> strings, dates per VR), sequences nested three deep with identifiers
inside, a private block on the safe list, others not, an overlay and a curve. study2.dcm is a later
study of the same patient whose nested sequence references all-attributes.dcm. planted.json lists
every planted string so the tests can scan the output bytes for them.
"""
import copy
import json
import os
import re
import subprocess
import sys

import numpy as np
import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'deid-dicom')
TABLE = json.load(open(os.path.join(ROOT, 'resources', 'dicom', 'ps3.15-e1-1.json')))
DX = '1.2.840.10008.5.1.4.1.1.1.1'
UID_ROOT = '1.2.826.0.1.3680043.10.1137.'  # test-only root; every UID below is planted
MAX = {'AE': 16, 'CS': 16, 'SH': 16, 'LO': 64, 'PN': 64, 'DS': 16, 'IS': 12, 'UC': 200}


def planted_text(keyword, vr):
    if vr == 'PN':
        return 'ID^' + keyword[:58]
    if vr == 'CS':
        return ('ID_' + re.sub('[^A-Z0-9]', '', keyword.upper()))[:16]
    return ('ID_' + keyword)[: MAX.get(vr, 1024)]


def value_for(keyword, vr, index, planted):
    if vr == 'DA':
        return '20200115'
    if vr == 'DT':
        return '20200115123000'
    if vr == 'TM':
        return '123000'
    if vr == 'AS':
        return '095Y'
    if vr == 'DS':
        return '1.5'
    if vr == 'IS':
        return '7'
    if vr in ('US', 'SS', 'UL', 'SL'):
        return 1
    if vr in ('FL', 'FD'):
        return 1.0
    if vr == 'AT':
        return 0x00100010
    if vr == 'UI':
        v = UID_ROOT + str(index)
        planted[keyword] = v
        return v
    if vr == 'UR':
        v = 'http://id.example/' + keyword
        planted[keyword] = v
        return v
    if vr in ('OB', 'OW', 'UN', 'OF', 'OD', 'OL', 'OV'):
        v = ('ID_' + keyword).encode()
        return v + b'\0' * (len(v) % 2)
    v = planted_text(keyword, vr)
    planted[keyword] = v
    return v


def base(sop_uid, study_uid, series_uid, patient_id, name):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID_ROOT + '9999'
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b'\0' * 128
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SpecificCharacterSet = 'ISO_IR 100'
    ds.ImageType = ['ORIGINAL', 'PRIMARY']
    ds.SOPClassUID = DX
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.PatientID = patient_id
    ds.PatientName = name
    ds.Modality = 'DX'
    ds.PresentationIntentType = 'FOR PRESENTATION'
    ds.Rows = 8
    ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(64, dtype=np.uint16) * 60).tobytes()
    return ds


def item(**kw):
    d = Dataset()
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def make():
    os.makedirs(OUT, exist_ok=True)
    planted = {}
    sop1 = UID_ROOT + '1.1'
    ds = base(sop1, UID_ROOT + '1', UID_ROOT + '1.0', 'ID_PatientID', 'ID^PatientName')
    planted['PatientID'] = 'ID_PatientID'
    planted['PatientName'] = 'ID^PatientName'
    skipped = []
    for i, row in enumerate(TABLE['attributes']):
        kw = row['keyword_pydicom_2_3_1']
        if kw is None or row['id'].startswith('0002') or kw in ('PatientID', 'PatientName', 'SOPInstanceUID',
                                                                'StudyInstanceUID', 'SeriesInstanceUID'):
            continue
        tag = tag_for_keyword(kw)
        if tag is None:
            skipped.append(kw)
            continue
        vr = dictionary_VR(tag).split(' or ')[0]
        if vr == 'SQ':
            # One item carrying identifiers, nested: the table's actions must reach inside.
            inner = item(PersonName='ID^Inner' + kw[:40], TextValue='ID_text_' + kw)
            planted['in:' + kw] = 'ID^Inner' + kw[:40]
            planted['intext:' + kw] = 'ID_text_' + kw
            setattr(ds, kw, Sequence([inner]))
        else:
            ds.add_new(tag, vr, value_for(kw, vr, 100 + i, planted))
    # Three levels deep: Content Sequence > Content Sequence > Referenced SOP Sequence with a name beside it.
    deepest = item(ReferencedSOPClassUID=DX, ReferencedSOPInstanceUID=UID_ROOT + '77.7',
                   PersonName='DEEP^IDENTIFIER^THREE')
    planted['deep:PersonName'] = 'DEEP^IDENTIFIER^THREE'
    planted['deep:uid'] = UID_ROOT + '77.7'
    ds.ContentSequence = Sequence([item(
        PersonName='LEVEL^ONE',
        ContentSequence=Sequence([item(PersonName='LEVEL^TWO', ReferencedSOPSequence=Sequence([deepest]))]),
    )])
    planted['l1'] = 'LEVEL^ONE'
    planted['l2'] = 'LEVEL^TWO'
    ds.PatientAge = '095Y'
    ds.StudyDate = '20200115'
    ds.PatientBirthDate = '19280304'
    planted['PatientBirthDate'] = '19280304'
    # Private blocks: one element on the safe list (with its creator), one unsafe in the same block, another vendor.
    ds.add_new(0x00190010, 'LO', 'SIEMENS MR HEADER')
    ds.add_new(0x0019100C, 'IS', '1000')
    ds.add_new(0x00191008, 'LO', 'ID_private_unsafe')
    ds.add_new(0x00290010, 'LO', 'FAKEVENDOR PRIVATE')
    ds.add_new(0x00291001, 'LO', 'PRIVATE^PATIENT^NAME')
    planted['private_unsafe'] = 'ID_private_unsafe'
    planted['private_vendor'] = 'PRIVATE^PATIENT^NAME'
    # Overlay and curve (retired, still met in old exports).
    ds.add_new(0x60000010, 'US', 8)
    ds.add_new(0x60000011, 'US', 8)
    ds.add_new(0x60000040, 'CS', 'G')
    ds.add_new(0x60000050, 'SS', [1, 1])
    ds.add_new(0x60000100, 'US', 1)
    ds.add_new(0x60000102, 'US', 0)
    ds.add_new(0x60003000, 'OW', b'\xff' * 8)
    ds.add_new(0x60004000, 'LT', 'ID_OverlayComments')
    ds.add_new(0x50000005, 'US', 1)
    ds.add_new(0x50000022, 'LO', 'ID_CurveDescription')
    ds.add_new(0x50003000, 'OW', b'\x01\x00' * 4)
    planted['OverlayComments'] = 'ID_OverlayComments'
    planted['CurveDescription'] = 'ID_CurveDescription'
    ds.add_new(0x00091001, 'LO', 'ID_orphan_private')  # private element without a creator
    planted['orphan'] = 'ID_orphan_private'
    ds.save_as(os.path.join(OUT, 'all-attributes.dcm'), write_like_original=False)

    ds2 = base(UID_ROOT + '2.1', UID_ROOT + '2', UID_ROOT + '2.0', 'ID_PatientID', 'ID^PatientName')
    ds2.StudyDate = '20200301'
    ds2.AccessionNumber = 'ID_Accession2'
    ds2.ContentSequence = Sequence([item(ContentSequence=Sequence([item(ReferencedSOPSequence=Sequence([
        item(ReferencedSOPClassUID=DX, ReferencedSOPInstanceUID=sop1)]))]))])
    ds2.save_as(os.path.join(OUT, 'study2.dcm'), write_like_original=False)

    with open(os.path.join(OUT, 'planted.json'), 'w') as f:
        json.dump({'note': 'generated by scripts/make-deid-fixtures.py', 'skipped_not_in_pydicom': skipped,
                   'values': planted}, f, indent=1, sort_keys=True)
        f.write('\n')


def probe_iod_types():
    """For each IOD: remove every table attribute (missing → required), then set every one empty
    (empty → must be non-empty); dciodvfy's error lines name the attributes."""
    kws = [a['keyword_pydicom_2_3_1'] for a in TABLE['attributes']
           if a['keyword_pydicom_2_3_1'] and not a['id'].startswith('0002')]
    py = os.path.dirname(pydicom.__file__) + '/data/test_files/'
    sample = sys.argv[2]  # a MedPrep sample DX
    bases = {'DX': (sample, None, None), 'CR': (sample, '1.2.840.10008.5.1.4.1.1.1', 'CR'),
             'MG': (sample, '1.2.840.10008.5.1.4.1.1.1.2', 'MG'), 'CT': (py + 'CT_small.dcm', None, None),
             'MR': (py + 'MR_small.dcm', None, None), 'SC': (py + 'SC_rgb_small_odd.dcm', None, None),
             'US': (py + 'SC_rgb_small_odd.dcm', '1.2.840.10008.5.1.4.1.1.6.1', 'US')}
    pat = re.compile(r'^Error - (Missing attribute|Empty attribute \(no value\)) Type (\S+) .*Element=<(\w+)>')

    def errors(ds, path):
        ds.save_as(path, write_like_original=False)
        out = subprocess.run(['dciodvfy', path], capture_output=True, text=True)
        return {m.group(3) for m in map(pat.match, (out.stdout + out.stderr).splitlines()) if m}

    result = {}
    for iod, (path, sop, modality) in bases.items():
        ds = pydicom.dcmread(path)
        if sop:
            ds.SOPClassUID = sop
            ds.file_meta.MediaStorageSOPClassUID = sop
            ds.Modality = modality
        removed = copy.deepcopy(ds)
        for k in kws:
            if k in removed:
                delattr(removed, k)
        empty = copy.deepcopy(ds)
        for k in kws:
            vr = dictionary_VR(tag_for_keyword(k)).split(' or ')[0]
            if vr == 'SQ':
                setattr(empty, k, Sequence([]))
            else:
                empty.add_new(tag_for_keyword(k), vr, b'' if vr in ('OB', 'OW', 'UN') else '')
        missing = errors(removed, '/tmp/probe-removed.dcm')
        nonempty = errors(empty, '/tmp/probe-empty.dcm')
        result[iod] = {k: ('1' if k in nonempty else '2') if k in missing else '1C'
                       for k in kws if k in missing or k in nonempty}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--probe-iod-types':
        probe_iod_types()
    else:
        make()
