#!/usr/bin/python3
"""The DICOM de-identification attack set (issue 19, classes 1-7 and 9-10), written with pydicom 2.3 and PIL.

    /usr/bin/python3 scripts/make-attack-set.py OUT_DIR

Writes one DICOM file per case into OUT_DIR/<case>.dcm and OUT_DIR/attack.json, which lists per case its
class, the de-identification options it exercises and the needles: strings that must not appear in any
byte of any export (compared case-insensitively; the tests also look for them through the leak gate).
Every case hides the identifiers of one patient where an attacker (or a vendor) would: removable sequences
with code-like items, kept code sequences four levels deep, "safe" slots with the wrong VR, overlay bitmaps,
ICC profiles, bytes after the pixels, JPEG comment and EXIF segments, Person Name groups in ISO 2022 JP
and GB18030, ages over 89, known names without information. Nothing here is real: the names, IDs and
dates are invented, the UIDs sit under a test-only root.
"""
import importlib.util
import io
import json
import os
import sys

import numpy as np
import pydicom
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import JPEGBaseline8Bit

DX = '1.2.840.10008.5.1.4.1.1.1.1'
ROOT = '1.2.826.0.1.3680043.10.1137.19.'
NAME = 'KOWALCZYK^JAROMIR'
MRN = 'MRN7734219'
BIRTH = '19520314'
ACCESSION = 'ACC5512093'


def load_fixtures_module():
    """The DX dataset builder of make-deid-fixtures.py (one place that knows a minimal valid DX image)."""
    spec = importlib.util.spec_from_file_location(
        'make_deid_fixtures', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'make-deid-fixtures.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIXTURES = load_fixtures_module()
item = FIXTURES.item


def code(value, meaning, scheme='99ATTACK'):
    return item(CodeValue=value, CodingSchemeDesignator=scheme, CodeMeaning=meaning)


def base(n):
    ds = FIXTURES.base(f'{ROOT}{n}.3', f'{ROOT}{n}.1', f'{ROOT}{n}.2', f'{MRN}{n:02d}', NAME)
    ds.StudyDate = '20230105'
    ds.SeriesDate = '20230105'
    ds.PatientBirthDate = BIRTH
    ds.PatientSex = 'M'
    ds.AccessionNumber = ACCESSION
    ds.BodyPartExamined = 'CHEST'
    ds.ViewPosition = 'PA'
    ds.StudyDescription = 'CHEST PA'
    # 64 x 64 and a smooth gradient: no text-like structure for the burned-in text detector.
    ds.Rows = 64
    ds.Columns = 64
    y, x = np.mgrid[0:64, 0:64]
    ds.PixelData = ((x + y) * 30).astype(np.uint16).tobytes()
    return ds


def removable_sequences(ds):
    """Class 1: X/Z/D sequences whose items hold only code-like attributes."""
    ds.ContentSequence = Sequence([item(
        RelationshipType='CONTAINS', ValueType='CODE',
        ConceptNameCodeSequence=Sequence([code('P-7734219', 'Patient KOWALCZYK')]),
        ConceptCodeSequence=Sequence([code('J-7734219', 'JAROMIR KOWALCZYK')]),
    )])
    ds.FlowIdentifierSequence = Sequence([item(FlowIdentifier=b'KOWALCZYK\0\0\0')])
    ds.GraphicAnnotationSequence = Sequence([item(
        GraphicLayer='LAYER1',
        TextObjectSequence=Sequence([item(UnformattedTextValue='KOWALCZYK JAROMIR', AnchorPointAnnotationUnits='PIXEL')]),
    )])
    ds.ReferencedPerformedProcedureStepSequence = Sequence([item(
        ReferencedSOPClassUID='1.2.840.10008.3.1.2.3.3',
        ReferencedSOPInstanceUID=ROOT + '7734219.' + BIRTH,
        PurposeOfReferenceCodeSequence=Sequence([code('7734219', MRN)]),
    )])
    ds.VerifyingObserverSequence = Sequence([item(
        VerifyingObserverName='WOJCIECHOWSKA^BOGUMILA',
        VerifyingOrganization='Szpital Wojewodzki Kowalczyk',
        VerificationDateTime='20230105120000',
        VerifyingObserverIdentificationCodeSequence=Sequence([code('BW7734', 'Bogumila Wojciechowska')]),
    )])
    ds.PersonIdentificationCodeSequence = Sequence([code('PIC7734219', 'JAROMIR KOWALCZYK')])
    return ['KOWALCZYK', 'JAROMIR', '7734219', 'WOJCIECHOWSKA', 'BOGUMILA']


def kept_free_text(ds):
    """Class 2: free text where the keep list trusts the attribute, four levels deep; UIDs; ICC profile."""
    deep = item(
        ReferencedSOPClassUID=f'1.2.840.99999.{BIRTH}.7734219',
        ReferencedSOPInstanceUID=ROOT + '44',
        PurposeOfReferenceCodeSequence=Sequence([code(MRN, 'Prior of KOWALCZYK JAROMIR')]),
    )
    ds.SourceImageSequence = Sequence([item(
        ReferencedSOPClassUID=DX,
        ReferencedSOPInstanceUID=ROOT + '41',
        DerivationCodeSequence=Sequence([item(
            CodeValue='113076', CodingSchemeDesignator='DCM', CodeMeaning='Segmentation',
            ContextUID=f'1.2.840.99999.{BIRTH}.7734219',
            AnatomicRegionSequence=Sequence([item(
                CodeValue='T-D3000', CodingSchemeDesignator='SRT', CodeMeaning='Chest',
                AnatomicRegionModifierSequence=Sequence([code(MRN, 'KOWALCZYK JAROMIR')]),
                ReferencedImageSequence=Sequence([deep]),
            )]),
        )]),
    )])
    region = code('T-D3000', 'Chest of JAROMIR KOWALCZYK', 'SRT')
    region.ContextUID = f'1.2.840.99999.{BIRTH}.7734219'
    ds.AnatomicRegionSequence = Sequence([region])
    ds.ViewCodeSequence = Sequence([item(
        CodeValue='R-10214', CodingSchemeDesignator='SRT', CodeMeaning='postero-anterior',
        ViewModifierCodeSequence=Sequence([code(MRN, 'Kowalczyk view')]),
    )])
    ds.DerivationCodeSequence = Sequence([code('113076', 'Processed for Jaromir Kowalczyk', 'DCM')])
    ds.WindowCenter = '2048'
    ds.WindowWidth = '4096'
    ds.WindowCenterWidthExplanation = 'KOWALCZYK ' + MRN
    ds.PositionReferenceIndicator = 'KOWALCZYK'
    ds.FilterType = 'KOWALCZYK'
    ds.SoftwareVersions = ['v2.1', MRN]
    ds.ICCProfile = b'\0' * 16 + b'desc' + b'\0' * 8 + 'Jaromir Kowalczyk 7734219'.encode() + b'\0'
    return ['KOWALCZYK', 'JAROMIR', '7734219', BIRTH]


def deep_code_meanings(ds):
    """Class 2b: with Retain UIDs the referenced-image sequences stay; names four levels down in them."""
    ds.SourceImageSequence = Sequence([item(
        ReferencedSOPClassUID=DX,
        ReferencedSOPInstanceUID=ROOT + '51',
        PurposeOfReferenceCodeSequence=Sequence([item(
            CodeValue='121320', CodingSchemeDesignator='DCM', CodeMeaning='Uncompressed predecessor',
            ReferencedImageSequence=Sequence([item(
                ReferencedSOPClassUID=DX,
                ReferencedSOPInstanceUID=ROOT + '52',
                PurposeOfReferenceCodeSequence=Sequence([code(MRN, 'Prior of KOWALCZYK JAROMIR')]),
            )]),
        )]),
    )])
    return ['KOWALCZYK', 'JAROMIR', '7734219']


def descriptors(ds):
    """Class 3: third persons and an age over 89 in descriptors that Clean Descriptors keeps."""
    ds.ImageComments = 'Discussed with Dr. Philippa Quennell-Ashdown on the ward'
    ds.StudyDescription = 'CHEST PA per Dr. Quennell-Ashdown'
    ds.ProtocolName = 'Chest routine, tech Mr. Barnaby Featherstonehaugh'
    ds.ReasonForTheRequestedProcedure = '93F fall, query rib fracture'
    ds.RequestAttributesSequence = Sequence([item(
        ScheduledProcedureStepDescription='Portable chest, called Dr. Philippa Quennell-Ashdown',
        RequestedProcedureDescription='Chest for Barnaby Featherstonehaugh',
    )])
    return ['Quennell', 'Featherstonehaugh', 'Philippa', 'Barnaby', '93F fall']


def overlay_and_private(ds):
    """Class 4: an overlay bitmap with text bytes under Clean Graphics; LO text in a safe US/IS slot."""
    overlay = [(0x0010, 'US', 64), (0x0011, 'US', 64), (0x0040, 'CS', 'G'), (0x0050, 'SS', [1, 1]),
               (0x0100, 'US', 1), (0x0102, 'US', 0), (0x0022, 'LO', 'Annotation by KOWALCZYK')]
    for element, vr, value in overlay:
        ds.add_new(0x60000000 | element, vr, value)
    bitmap = bytearray(64 * 64 // 8)
    text = ('KOWALCZYK JAROMIR ' + MRN).encode()
    bitmap[: len(text)] = text
    ds.add_new(0x60003000, 'OW', bytes(bitmap))
    ds.add_new(0x00190010, 'LO', 'SIEMENS MR HEADER')
    ds.add_new(0x0019100A, 'LO', 'KOWALCZYK J ' + MRN)  # listed as US
    ds.add_new(0x0019100C, 'LO', 'JAROMIR')  # listed as IS
    ds.InstitutionName = 'Szpital Powiatowy Zielonka'
    ds.StationName = 'ZIELONKA-DR1'
    ds.DeviceSerialNumber = 'SN-88123-ZL'
    return ['KOWALCZYK', 'JAROMIR', '7734219']


def trailing_pixel_bytes(ds):
    """Class 5a: data appended after the last pixel of native Pixel Data."""
    ds.PixelData = ds.PixelData + ('KOWALCZYK^JAROMIR ' + MRN).encode()
    return ['KOWALCZYK', 'JAROMIR', '7734219']


def encapsulated_8bit(ds, transfer_syntax, frame):
    ds.file_meta.TransferSyntaxUID = transfer_syntax
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelData = encapsulate([frame])
    ds['PixelData'].VR = 'OB'
    ds['PixelData'].is_undefined_length = True


def jpeg_segments(ds):
    """Class 5b: a COM segment, EXIF (APP1) and bytes after EOI inside an encapsulated JPEG frame."""
    y, x = np.mgrid[0:64, 0:64]
    img = Image.fromarray(((x + y) * 2).astype(np.uint8), 'L')
    exif = Image.Exif()
    exif[0x010E] = 'KOWALCZYK JAROMIR ' + MRN  # ImageDescription
    exif[0x013B] = 'Jaromir Kowalczyk'  # Artist
    buf = io.BytesIO()
    img.save(buf, 'JPEG', quality=90, comment=b'Patient KOWALCZYK ' + MRN.encode(), exif=exif.tobytes())
    encapsulated_8bit(ds, JPEGBaseline8Bit, buf.getvalue() + b'KOWALCZYK^JAROMIR')
    ds.LossyImageCompression = '01'
    return ['KOWALCZYK', 'JAROMIR', '7734219']


def j2k_comments(ds):
    """Class 5c: COM segments in the main and a tile-part header of a JPEG 2000 frame, bytes after EOC."""
    y, x = np.mgrid[0:64, 0:64]
    buf = io.BytesIO()
    Image.fromarray(((x + y) * 2).astype(np.uint8), 'L').save(buf, 'JPEG2000', no_jp2=True, irreversible=False)
    stream = bytearray(buf.getvalue())

    def com(text):
        body = b'\x00\x01' + text.encode()
        return b'\xff\x64' + (len(body) + 2).to_bytes(2, 'big') + body

    sot = stream.find(b'\xff\x90')
    tile_com = com('Tile note KOWALCZYK ' + MRN)
    psot = int.from_bytes(stream[sot + 6:sot + 10], 'big')
    if psot:
        stream[sot + 6:sot + 10] = (psot + len(tile_com)).to_bytes(4, 'big')
    stream[sot + 12:sot + 12] = tile_com  # right after the 12-byte SOT segment
    stream[sot:sot] = com('Patient JAROMIR KOWALCZYK')  # last segment of the main header
    encapsulated_8bit(ds, '1.2.840.10008.1.2.4.90', bytes(stream) + b'KOWALCZYK^JAROMIR\0')
    return ['KOWALCZYK', 'JAROMIR', '7734219']


def old_age(ds):
    """Class 6: age capped at 090Y while birth date (year only) and study date give 92."""
    ds.PatientBirthDate = '19301002'
    ds.PatientAge = '092Y'
    ds.StudyDate = '20230105'
    return ['19301002', '19300101', '092Y']


def person_name_groups_jp(ds):
    """Class 7a: PN groups in ISO 2022 IR 87, the family and given names also in a cleaned descriptor."""
    ds.SpecificCharacterSet = ['', 'ISO 2022 IR 87']
    ds.PatientName = 'Yamada^Tarou=山田^太郎=やまだ^たろう'
    ds.StudyDescription = '胸部 正面 山田太郎様'
    ds.RequestAttributesSequence = Sequence([item(ScheduledProcedureStepDescription='胸部 山田 太郎 撮影')])
    return ['Yamada', 'Tarou', '山田', '太郎', 'やまだ', 'たろう']


def person_name_groups_gb(ds):
    """Class 7b: PN groups in GB18030."""
    ds.SpecificCharacterSet = 'GB18030'
    ds.PatientName = 'Zhuge^Liangming=诸葛^亮明'
    ds.StudyDescription = '胸部X光 诸葛亮明 复查'
    return ['Zhuge', 'Liangming', '诸葛', '亮明']


def no_information_names(ds):
    """Class 9: known names that carry no information (a `----` reader, a `-` referrer, an operator `a`)."""
    ds.NameOfPhysiciansReadingStudy = '----'
    ds.ReferringPhysicianName = '-'
    ds.OperatorsName = 'a'
    ds.StudyDescription = 'Cardiac chest - - - a view'
    ds.ImageComments = '-' * 4000
    return ['KOWALCZYK', '7734219']


CASES = [
    ('c1-removable-sequences', 1, {}, removable_sequences),
    ('c2-kept-free-text', 2, {}, kept_free_text),
    ('c2-deep-retain-uids', 2, {'retainUids': True}, deep_code_meanings),
    ('c3-descriptors', 3, {'cleanDescriptors': True}, descriptors),
    ('c4-overlay-private', 4, {'cleanGraphics': True, 'retainSafePrivate': True}, overlay_and_private),
    ('c5-trailing-pixels', 5, {}, trailing_pixel_bytes),
    ('c5-jpeg-segments', 5, {}, jpeg_segments),
    ('c5-j2k-comments', 5, {}, j2k_comments),
    ('c6-old-age', 6, {'birthDate': 'year', 'retainPatientCharacteristics': True}, old_age),
    ('c7-pn-iso2022jp', 7, {'cleanDescriptors': True}, person_name_groups_jp),
    ('c7-pn-gb18030', 7, {'cleanDescriptors': True}, person_name_groups_gb),
    ('c9-no-information', 9, {'cleanDescriptors': True}, no_information_names),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    listing = []
    for n, (name, klass, options, fill) in enumerate(CASES, start=1):
        # Each case is its own patient (PatientID MRN + case number), so the leak gate's dates stay per case.
        ds = base(n)
        needles = fill(ds)
        ds.save_as(os.path.join(out, name + '.dcm'), write_like_original=False)
        listing.append({'file': name + '.dcm', 'class': klass, 'options': options,
                        'needles': needles + [f'{MRN}{n:02d}', ACCESSION]})
    with open(os.path.join(out, 'attack.json'), 'w', encoding='utf-8') as f:
        json.dump({'pydicom': pydicom.__version__, 'cases': listing}, f, ensure_ascii=False, indent=1)


if __name__ == '__main__':
    main()
