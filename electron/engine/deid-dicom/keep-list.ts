/**
 * The allow list: attributes that Table E.1-1 does not name and that we keep. Everything else the
 * table does not name is removed, so an attribute a vendor or a later edition adds cannot leak by
 * default. Each entry is either required by an image IOD MedPrep meets (PS3.3; the ones dciodvfy
 * reports missing when removed are marked in the reasons) or describes pixels or acquisition physics
 * and carries no identity. Free-text attributes are deliberately absent (they go through the table's
 * C action or are removed); the few short coded labels kept (e.g. Window Center & Width Explanation)
 * are vocabulary, not narrative, and still go through the text cleaner and the known-identifier check. Binary
 * values that can carry text are absent too: the ICC Profile (its description and copyright tags are free
 * text; colour images then display in the default sRGB-like space), overlay and curve data.
 */

interface KeepGroup {
  reason: string;
  /** [tag, VR, keyword] */
  entries: [number, string, string][];
}

export const KEEP_GROUPS: KeepGroup[] = [
  {
    reason: 'SOP Common / General Image identity of the object type (PS3.3 C.12.1, C.7.6.1): Type 1/2',
    entries: [
      [0x00080005, 'CS', 'SpecificCharacterSet'],
      [0x00080008, 'CS', 'ImageType'],
      [0x00080016, 'UI', 'SOPClassUID'],
      [0x00080060, 'CS', 'Modality'],
      [0x00080064, 'CS', 'ConversionType'],
      [0x00080068, 'CS', 'PresentationIntentType'],
      [0x00080070, 'LO', 'Manufacturer'],
      [0x00081090, 'LO', 'ManufacturerModelName'],
      [0x00181020, 'LO', 'SoftwareVersions'],
      [0x00200011, 'IS', 'SeriesNumber'],
      [0x00200012, 'IS', 'AcquisitionNumber'],
      [0x00200013, 'IS', 'InstanceNumber'],
      [0x00200020, 'CS', 'PatientOrientation'],
      [0x00200060, 'CS', 'Laterality'],
      [0x00200062, 'CS', 'ImageLaterality'],
      [0x00280300, 'CS', 'QualityControlImage'],
      [0x00280301, 'CS', 'BurnedInAnnotation'],
      [0x00280302, 'CS', 'RecognizableVisualFeatures'],
      [0x00282110, 'CS', 'LossyImageCompression'],
      [0x00282112, 'DS', 'LossyImageCompressionRatio'],
      [0x00282114, 'CS', 'LossyImageCompressionMethod'],
      [0x00089215, 'SQ', 'DerivationCodeSequence'],
    ],
  },
  {
    reason: 'Image Pixel module (PS3.3 C.7.6.3): describes how to read the pixel data; Type 1/1C',
    entries: [
      [0x00280002, 'US', 'SamplesPerPixel'],
      [0x00280004, 'CS', 'PhotometricInterpretation'],
      [0x00280006, 'US', 'PlanarConfiguration'],
      [0x00280008, 'IS', 'NumberOfFrames'],
      [0x00280009, 'AT', 'FrameIncrementPointer'],
      [0x00280010, 'US', 'Rows'],
      [0x00280011, 'US', 'Columns'],
      [0x00280014, 'US', 'UltrasoundColorDataPresent'],
      [0x00280030, 'DS', 'PixelSpacing'],
      [0x00280034, 'IS', 'PixelAspectRatio'],
      [0x00280100, 'US', 'BitsAllocated'],
      [0x00280101, 'US', 'BitsStored'],
      [0x00280102, 'US', 'HighBit'],
      [0x00280103, 'US', 'PixelRepresentation'],
      [0x00280106, 'US', 'SmallestImagePixelValue'],
      [0x00280107, 'US', 'LargestImagePixelValue'],
      [0x00280120, 'US', 'PixelPaddingValue'],
      [0x00280121, 'US', 'PixelPaddingRangeLimit'],
      [0x00280a02, 'CS', 'PixelSpacingCalibrationType'],
      [0x00281101, 'US', 'RedPaletteColorLookupTableDescriptor'],
      [0x00281102, 'US', 'GreenPaletteColorLookupTableDescriptor'],
      [0x00281103, 'US', 'BluePaletteColorLookupTableDescriptor'],
      [0x00281201, 'OW', 'RedPaletteColorLookupTableData'],
      [0x00281202, 'OW', 'GreenPaletteColorLookupTableData'],
      [0x00281203, 'OW', 'BluePaletteColorLookupTableData'],
      [0x00282002, 'CS', 'ColorSpace'],
      [0x7fe00008, 'OF', 'FloatPixelData'],
      [0x7fe00009, 'OD', 'DoubleFloatPixelData'],
      [0x7fe00010, 'OW', 'PixelData'],
    ],
  },
  {
    reason:
      'Modality LUT, VOI LUT and Presentation LUT (PS3.3 C.11): needed to display the pixels as acquired',
    entries: [
      [0x00281040, 'CS', 'PixelIntensityRelationship'],
      [0x00281041, 'SS', 'PixelIntensityRelationshipSign'],
      [0x00281050, 'DS', 'WindowCenter'],
      [0x00281051, 'DS', 'WindowWidth'],
      [0x00281052, 'DS', 'RescaleIntercept'],
      [0x00281053, 'DS', 'RescaleSlope'],
      [0x00281054, 'LO', 'RescaleType'],
      [0x00281055, 'LO', 'WindowCenterWidthExplanation'],
      [0x00281056, 'CS', 'VOILUTFunction'],
      [0x00283000, 'SQ', 'ModalityLUTSequence'],
      [0x00283002, 'US', 'LUTDescriptor'],
      [0x00283003, 'LO', 'LUTExplanation'],
      [0x00283004, 'LO', 'ModalityLUTType'],
      [0x00283006, 'US', 'LUTData'],
      [0x00283010, 'SQ', 'VOILUTSequence'],
      [0x20500010, 'SQ', 'PresentationLUTSequence'],
      [0x20500020, 'CS', 'PresentationLUTShape'],
    ],
  },
  {
    reason:
      'Geometry and anatomy (Image Plane C.7.6.2, Frame of Reference, DX/MG/CR modules): coded, not identifying',
    entries: [
      [0x00180015, 'CS', 'BodyPartExamined'],
      [0x00180050, 'DS', 'SliceThickness'],
      [0x00180088, 'DS', 'SpacingBetweenSlices'],
      [0x00185100, 'CS', 'PatientPosition'],
      [0x00185101, 'CS', 'ViewPosition'],
      [0x00200032, 'DS', 'ImagePositionPatient'],
      [0x00200037, 'DS', 'ImageOrientationPatient'],
      [0x00201040, 'LO', 'PositionReferenceIndicator'],
      [0x00201041, 'DS', 'SliceLocation'],
      [0x00082218, 'SQ', 'AnatomicRegionSequence'],
      [0x00082220, 'SQ', 'AnatomicRegionModifierSequence'],
      [0x00082228, 'SQ', 'PrimaryAnatomicStructureSequence'],
      [0x00540220, 'SQ', 'ViewCodeSequence'],
      [0x00540222, 'SQ', 'ViewModifierCodeSequence'],
      [0x00400318, 'CS', 'OrganExposed'],
    ],
  },
  {
    reason:
      'Code Sequence Macro (PS3.3 8.8) and SOP references: the vocabulary inside kept sequences; Type 1',
    entries: [
      [0x00080100, 'SH', 'CodeValue'],
      [0x00080102, 'SH', 'CodingSchemeDesignator'],
      [0x00080103, 'SH', 'CodingSchemeVersion'],
      [0x00080104, 'LO', 'CodeMeaning'],
      [0x00080105, 'CS', 'MappingResource'],
      [0x0008010b, 'CS', 'ContextGroupExtensionFlag'],
      [0x0008010f, 'CS', 'ContextIdentifier'],
      [0x00080117, 'UI', 'ContextUID'],
      [0x00080119, 'UC', 'LongCodeValue'],
      [0x00080120, 'UR', 'URNCodeValue'],
      [0x00081150, 'UI', 'ReferencedSOPClassUID'],
      [0x00081199, 'SQ', 'ReferencedSOPSequence'],
      [0x00081115, 'SQ', 'ReferencedSeriesSequence'],
      [0x0008114a, 'SQ', 'ReferencedInstanceSequence'],
      [0x00081160, 'IS', 'ReferencedFrameNumber'],
      [0x0040a170, 'SQ', 'PurposeOfReferenceCodeSequence'],
      [0x0040a010, 'CS', 'RelationshipType'],
      [0x0040a040, 'CS', 'ValueType'],
      [0x0040a043, 'SQ', 'ConceptNameCodeSequence'],
      [0x0040a168, 'SQ', 'ConceptCodeSequence'],
      [0x0040a30a, 'DS', 'NumericValue'],
      [0x004008ea, 'SQ', 'MeasurementUnitsCodeSequence'],
    ],
  },
  {
    reason: 'X-ray acquisition physics (DX, CR, MG, CT modules): exposure and detector parameters',
    entries: [
      [0x00180060, 'DS', 'KVP'],
      [0x00181110, 'DS', 'DistanceSourceToDetector'],
      [0x00181111, 'DS', 'DistanceSourceToPatient'],
      [0x00181114, 'DS', 'EstimatedRadiographicMagnificationFactor'],
      [0x00181147, 'CS', 'FieldOfViewShape'],
      [0x00181149, 'IS', 'FieldOfViewDimensions'],
      [0x00181150, 'IS', 'ExposureTime'],
      [0x00181151, 'IS', 'XRayTubeCurrent'],
      [0x00181152, 'IS', 'Exposure'],
      [0x00181153, 'IS', 'ExposureInuAs'],
      [0x00181160, 'SH', 'FilterType'],
      [0x00181164, 'DS', 'ImagerPixelSpacing'],
      [0x00181166, 'CS', 'Grid'],
      [0x00181170, 'IS', 'GeneratorPower'],
      [0x00181190, 'DS', 'FocalSpots'],
      [0x001811a0, 'DS', 'BodyPartThickness'],
      [0x001811a2, 'DS', 'CompressionForce'],
      [0x00181508, 'CS', 'PositionerType'],
      [0x00181700, 'CS', 'CollimatorShape'],
      [0x00187004, 'CS', 'DetectorType'],
      [0x00187005, 'CS', 'DetectorConfiguration'],
      [0x00180022, 'CS', 'ScanOptions'],
      [0x00180090, 'DS', 'DataCollectionDiameter'],
      [0x00181100, 'DS', 'ReconstructionDiameter'],
      [0x00181120, 'DS', 'GantryDetectorTilt'],
      [0x00181130, 'DS', 'TableHeight'],
      [0x00181140, 'CS', 'RotationDirection'],
      [0x00181210, 'SH', 'ConvolutionKernel'],
      [0x00189305, 'FD', 'RevolutionTime'],
      [0x00189306, 'FD', 'SingleCollimationWidth'],
      [0x00189307, 'FD', 'TotalCollimationWidth'],
      [0x00189311, 'FD', 'SpiralPitchFactor'],
      [0x00189345, 'FD', 'CTDIvol'],
    ],
  },
  {
    reason: 'MR acquisition physics (MR Image module C.8.3.1): Type 1/2 there, not identifying',
    entries: [
      [0x00180020, 'CS', 'ScanningSequence'],
      [0x00180021, 'CS', 'SequenceVariant'],
      [0x00180023, 'CS', 'MRAcquisitionType'],
      [0x00180024, 'SH', 'SequenceName'],
      [0x00180025, 'CS', 'AngioFlag'],
      [0x00180080, 'DS', 'RepetitionTime'],
      [0x00180081, 'DS', 'EchoTime'],
      [0x00180082, 'DS', 'InversionTime'],
      [0x00180083, 'DS', 'NumberOfAverages'],
      [0x00180084, 'DS', 'ImagingFrequency'],
      [0x00180085, 'SH', 'ImagedNucleus'],
      [0x00180086, 'IS', 'EchoNumbers'],
      [0x00180087, 'DS', 'MagneticFieldStrength'],
      [0x00180089, 'IS', 'NumberOfPhaseEncodingSteps'],
      [0x00180091, 'IS', 'EchoTrainLength'],
      [0x00180093, 'DS', 'PercentSampling'],
      [0x00180094, 'DS', 'PercentPhaseFieldOfView'],
      [0x00180095, 'DS', 'PixelBandwidth'],
      [0x00181060, 'DS', 'TriggerTime'],
      [0x00181250, 'SH', 'ReceiveCoilName'],
      [0x00181251, 'SH', 'TransmitCoilName'],
      [0x00181310, 'US', 'AcquisitionMatrix'],
      [0x00181312, 'CS', 'InPlanePhaseEncodingDirection'],
      [0x00181314, 'DS', 'FlipAngle'],
      [0x00181315, 'CS', 'VariableFlipAngleFlag'],
      [0x00181316, 'DS', 'SAR'],
      [0x00181318, 'DS', 'dBdt'],
    ],
  },
  {
    reason: 'Ultrasound regions and multi-frame timing (US Region Calibration C.8.5.5, Cine C.7.6.5)',
    entries: [
      [0x00186011, 'SQ', 'SequenceOfUltrasoundRegions'],
      [0x00186012, 'US', 'RegionSpatialFormat'],
      [0x00186014, 'US', 'RegionDataType'],
      [0x00186016, 'UL', 'RegionFlags'],
      [0x00186018, 'UL', 'RegionLocationMinX0'],
      [0x0018601a, 'UL', 'RegionLocationMinY0'],
      [0x0018601c, 'UL', 'RegionLocationMaxX1'],
      [0x0018601e, 'UL', 'RegionLocationMaxY1'],
      [0x00186020, 'SL', 'ReferencePixelX0'],
      [0x00186022, 'SL', 'ReferencePixelY0'],
      [0x00186024, 'US', 'PhysicalUnitsXDirection'],
      [0x00186026, 'US', 'PhysicalUnitsYDirection'],
      [0x00186028, 'FD', 'ReferencePixelPhysicalValueX'],
      [0x0018602a, 'FD', 'ReferencePixelPhysicalValueY'],
      [0x0018602c, 'FD', 'PhysicalDeltaX'],
      [0x0018602e, 'FD', 'PhysicalDeltaY'],
      [0x00186030, 'UL', 'TransducerFrequency'],
      [0x00180040, 'IS', 'CineRate'],
      [0x00181063, 'DS', 'FrameTime'],
      [0x00082144, 'IS', 'RecommendedDisplayFrameRate'],
    ],
  },
  {
    reason:
      'Multi-frame functional groups (PS3.3 C.7.6.16): structure of enhanced images; contents cleaned per item',
    entries: [
      [0x52009229, 'SQ', 'SharedFunctionalGroupsSequence'],
      [0x52009230, 'SQ', 'PerFrameFunctionalGroupsSequence'],
      [0x00289110, 'SQ', 'PixelMeasuresSequence'],
      [0x00209113, 'SQ', 'PlanePositionSequence'],
      [0x00209116, 'SQ', 'PlaneOrientationSequence'],
      [0x00289145, 'SQ', 'PixelValueTransformationSequence'],
      [0x00289132, 'SQ', 'FrameVOILUTSequence'],
      [0x00209111, 'SQ', 'FrameContentSequence'],
      [0x00209157, 'UL', 'DimensionIndexValues'],
      [0x00209056, 'SH', 'StackID'],
      [0x00209057, 'UL', 'InStackPositionNumber'],
    ],
  },
];

export interface KeepEntry {
  vr: string;
  keyword: string;
  reason: string;
}

let index: Map<number, KeepEntry> | null = null;

export function keepEntry(tag: number): KeepEntry | undefined {
  if (index === null) {
    index = new Map();
    for (const group of KEEP_GROUPS) {
      for (const [t, vr, keyword] of group.entries) index.set(t, { vr, keyword, reason: group.reason });
    }
  }
  return index.get(tag);
}
