/**
 * TFLite Metadata (tensorflow/tflite-support `metadata_schema.fbs`, schema 1.1.0, file identifier "M001"):
 * a `ModelMetadata` flatbuffer stored in a model buffer named by a `Metadata` entry "TFLITE_METADATA", the
 * place TFLite's metadata tooling reads. Written: model name, description, version, author; the input
 * image (RGB, size, NormalizationOptions on the 0..255 scale) or carried features; every output as an exit's
 * logits (with labels.txt as a TENSOR_AXIS_LABELS associated file, packed into the model as a zip) or as
 * features for the next segment. Field slots below are the schema's field order (a union takes two: type, value).
 */
import { Builder, ByteBuffer } from 'flatbuffers';
import { RanasError } from '../../src/errors.ts';
import { float32Vector, offsetVector } from '../flatbuffer-vectors.ts';
import { describeOutput, LABELS_FILE, pixelNormalisation, type ModelFacts } from './model-facts.ts';

/** Name of the Model.metadata entry TFLite's metadata tooling looks for. */
export const TFLITE_METADATA_NAME = 'TFLITE_METADATA';
/** File identifier of a ModelMetadata flatbuffer. */
export const METADATA_FILE_IDENTIFIER = 'M001';
/** Least parser version that reads every field written here (nothing newer than 1.0.0 is used). */
export const MIN_PARSER_VERSION = '1.0.0';

/** Field slots of metadata_schema.fbs tables (declaration order; unions take type + value). */
const SLOT = {
  ModelMetadata: { name: 0, description: 1, version: 2, subgraph_metadata: 3, author: 4, license: 5, associated_files: 6, min_parser_version: 7, count: 8 },
  SubGraphMetadata: { name: 0, description: 1, input_tensor_metadata: 2, output_tensor_metadata: 3, associated_files: 4, count: 7 },
  TensorMetadata: { name: 0, description: 1, dimension_names: 2, content: 3, process_units: 4, stats: 5, associated_files: 6, count: 7 },
  AssociatedFile: { name: 0, description: 1, type: 2, locale: 3, count: 4 },
  Content: { content_properties_type: 0, content_properties: 1, range: 2, count: 3 },
  ImageProperties: { color_space: 0, default_size: 1, count: 2 },
  ImageSize: { width: 0, height: 1, count: 2 },
  ProcessUnit: { options_type: 0, options: 1, count: 2 },
  NormalizationOptions: { mean: 0, std: 1, count: 2 },
} as const;

/** Enum values of the schema used here. */
const CONTENT_PROPERTIES = { FeatureProperties: 1, ImageProperties: 2 } as const;
const PROCESS_UNIT_OPTIONS = { NormalizationOptions: 1 } as const;
const ASSOCIATED_FILE_TYPE = { TENSOR_AXIS_LABELS: 2 } as const;
const COLOR_SPACE = { RGB: 1 } as const;

/** The part of a model a file holds: its input and output tensor names, in subgraph order. */
export interface PartTensors {
  inputs: readonly string[];
  outputs: readonly string[];
  /** The model's image input (a part input of that name is the image; others are carried features). */
  imageInput: { name: string; height: number; width: number };
}

/** The ModelMetadata flatbuffer of one file. */
export function encodeTfliteMetadata(facts: ModelFacts, part: PartTensors): Uint8Array {
  const b = new Builder(4096);
  const str = (s: string) => b.createString(s);

  const labelsFile = () => {
    const name = str(LABELS_FILE);
    const description = str(`${facts.classNames.length} class names, one a line, in class-index order`);
    b.startObject(SLOT.AssociatedFile.count);
    b.addFieldOffset(SLOT.AssociatedFile.name, name, 0);
    b.addFieldOffset(SLOT.AssociatedFile.description, description, 0);
    b.addFieldInt8(SLOT.AssociatedFile.type, ASSOCIATED_FILE_TYPE.TENSOR_AXIS_LABELS, 0);
    return b.endObject();
  };
  const content = (kind: 'image' | 'feature') => {
    let props = 0;
    if (kind === 'image') {
      b.startObject(SLOT.ImageSize.count);
      b.addFieldInt32(SLOT.ImageSize.width, part.imageInput.width, 0);
      b.addFieldInt32(SLOT.ImageSize.height, part.imageInput.height, 0);
      const size = b.endObject();
      b.startObject(SLOT.ImageProperties.count);
      b.addFieldInt8(SLOT.ImageProperties.color_space, COLOR_SPACE.RGB, 0);
      b.addFieldOffset(SLOT.ImageProperties.default_size, size, 0);
      props = b.endObject();
    } else {
      b.startObject(0); // FeatureProperties has no fields
      props = b.endObject();
    }
    b.startObject(SLOT.Content.count);
    b.addFieldInt8(SLOT.Content.content_properties_type, kind === 'image' ? CONTENT_PROPERTIES.ImageProperties : CONTENT_PROPERTIES.FeatureProperties, 0);
    b.addFieldOffset(SLOT.Content.content_properties, props, 0);
    return b.endObject();
  };
  const normalisation = () => {
    const n = pixelNormalisation(facts);
    const mean = float32Vector(b, n.mean);
    const std = float32Vector(b, n.std);
    b.startObject(SLOT.NormalizationOptions.count);
    b.addFieldOffset(SLOT.NormalizationOptions.mean, mean, 0);
    b.addFieldOffset(SLOT.NormalizationOptions.std, std, 0);
    const options = b.endObject();
    b.startObject(SLOT.ProcessUnit.count);
    b.addFieldInt8(SLOT.ProcessUnit.options_type, PROCESS_UNIT_OPTIONS.NormalizationOptions, 0);
    b.addFieldOffset(SLOT.ProcessUnit.options, options, 0);
    return offsetVector(b, [b.endObject()]);
  };
  const tensor = (name: string, description: string, kind: 'image' | 'feature', labels: boolean) => {
    const n = str(name);
    const d = str(description);
    const c = content(kind);
    const units = kind === 'image' ? normalisation() : 0;
    const files = labels ? offsetVector(b, [labelsFile()]) : 0;
    b.startObject(SLOT.TensorMetadata.count);
    b.addFieldOffset(SLOT.TensorMetadata.name, n, 0);
    b.addFieldOffset(SLOT.TensorMetadata.description, d, 0);
    b.addFieldOffset(SLOT.TensorMetadata.content, c, 0);
    if (units) b.addFieldOffset(SLOT.TensorMetadata.process_units, units, 0);
    if (files) b.addFieldOffset(SLOT.TensorMetadata.associated_files, files, 0);
    return b.endObject();
  };

  const inputs = part.inputs.map((t) => t === part.imageInput.name
    ? tensor('image', `RGB image ${part.imageInput.height}x${part.imageInput.width}, normalised per channel as (pixel - mean) / std`, 'image', false)
    : tensor(t, 'features from the previous exit segment', 'feature', false));
  const outputs = part.outputs.map((t) => {
    const o = describeOutput(facts, t);
    return tensor(o.name, o.description, 'feature', o.exit !== undefined);
  });
  const sgName = str('main');
  const sgDescription = str(`${part.outputs.filter((t) => facts.exits.has(t)).length} exit(s) of ${facts.exits.size}`);
  const inputsVec = offsetVector(b, inputs);
  const outputsVec = offsetVector(b, outputs);
  b.startObject(SLOT.SubGraphMetadata.count);
  b.addFieldOffset(SLOT.SubGraphMetadata.name, sgName, 0);
  b.addFieldOffset(SLOT.SubGraphMetadata.description, sgDescription, 0);
  b.addFieldOffset(SLOT.SubGraphMetadata.input_tensor_metadata, inputsVec, 0);
  b.addFieldOffset(SLOT.SubGraphMetadata.output_tensor_metadata, outputsVec, 0);
  const subgraph = b.endObject();

  const name = str(facts.name);
  const description = str(facts.description);
  const version = str(facts.version);
  const author = str('ranas');
  const minParser = str(MIN_PARSER_VERSION);
  const subgraphs = offsetVector(b, [subgraph]);
  const M = SLOT.ModelMetadata;
  b.startObject(M.count);
  b.addFieldOffset(M.name, name, 0);
  b.addFieldOffset(M.description, description, 0);
  b.addFieldOffset(M.version, version, 0);
  b.addFieldOffset(M.subgraph_metadata, subgraphs, 0);
  b.addFieldOffset(M.author, author, 0);
  b.addFieldOffset(M.min_parser_version, minParser, 0);
  b.finish(b.endObject(), METADATA_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

// ---- reading (own reader, for tests and `ranas` tools) ---------------------------------------------------

/** What the reader returns: the fields written above. */
export interface TfliteMetadataRead {
  name: string;
  description: string;
  version: string;
  minParserVersion: string;
  inputs: { name: string; description: string; image?: { width: number; height: number }; mean?: number[]; std?: number[] }[];
  outputs: { name: string; description: string; labelsFile?: string }[];
}

class Table {
  constructor(readonly bb: ByteBuffer, readonly pos: number) {}
  private field(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }
  string(slot: number): string {
    const o = this.field(slot);
    return o ? String(this.bb.__string(this.pos + o)) : '';
  }
  byte(slot: number): number {
    const o = this.field(slot);
    return o ? this.bb.readInt8(this.pos + o) : 0;
  }
  uint(slot: number): number {
    const o = this.field(slot);
    return o ? this.bb.readUint32(this.pos + o) : 0;
  }
  table(slot: number): Table | null {
    const o = this.field(slot);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }
  tables(slot: number): Table[] {
    const o = this.field(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    return Array.from({ length: this.bb.__vector_len(this.pos + o) }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
  floats(slot: number): number[] {
    const o = this.field(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    return Array.from({ length: this.bb.__vector_len(this.pos + o) }, (_, i) => this.bb.readFloat32(start + 4 * i));
  }
  bytes(slot: number): Uint8Array {
    const o = this.field(slot);
    if (!o) return new Uint8Array();
    const start = this.bb.__vector(this.pos + o);
    return this.bb.bytes().subarray(start, start + this.bb.__vector_len(this.pos + o));
  }
}

const root = (bytes: Uint8Array) => {
  const bb = new ByteBuffer(bytes);
  return new Table(bb, bb.readInt32(0));
};

/** Field slots of the TFLite model schema (schema.fbs) read here. */
const MODEL = { buffers: 4, metadata: 6 } as const;

/** The bytes of the model buffer named by Metadata entry `name`, or null. */
export function tfliteMetadataBuffer(model: Uint8Array, name = TFLITE_METADATA_NAME): Uint8Array | null {
  const m = root(model);
  const entry = m.tables(MODEL.metadata).find((e) => e.string(0) === name);
  if (!entry) return null;
  const buffers = m.tables(MODEL.buffers);
  const index = entry.uint(1);
  if (index >= buffers.length) throw new RanasError('E_TFLITE_METADATA', `metadata ${name} names buffer ${index}; the model has ${buffers.length}`);
  return buffers[index].bytes(0);
}

/** Decodes a ModelMetadata flatbuffer. */
export function readTfliteMetadata(metadata: Uint8Array): TfliteMetadataRead {
  const id = new TextDecoder().decode(metadata.subarray(4, 8));
  if (id !== METADATA_FILE_IDENTIFIER) throw new RanasError('E_TFLITE_METADATA', `metadata file identifier is ${JSON.stringify(id)}; expected ${METADATA_FILE_IDENTIFIER}`);
  const m = root(metadata);
  const M = SLOT.ModelMetadata;
  const T = SLOT.TensorMetadata;
  const sg = m.tables(M.subgraph_metadata)[0];
  const inputs = (sg?.tables(SLOT.SubGraphMetadata.input_tensor_metadata) ?? []).map((t) => {
    const content = t.table(T.content);
    const props = content?.byte(SLOT.Content.content_properties_type) === CONTENT_PROPERTIES.ImageProperties ? content.table(SLOT.Content.content_properties) : null;
    const size = props?.table(SLOT.ImageProperties.default_size);
    const norm = t.tables(T.process_units).find((u) => u.byte(SLOT.ProcessUnit.options_type) === PROCESS_UNIT_OPTIONS.NormalizationOptions)?.table(SLOT.ProcessUnit.options);
    return {
      name: t.string(T.name), description: t.string(T.description),
      ...(size ? { image: { width: size.uint(SLOT.ImageSize.width), height: size.uint(SLOT.ImageSize.height) } } : {}),
      ...(norm ? { mean: norm.floats(SLOT.NormalizationOptions.mean), std: norm.floats(SLOT.NormalizationOptions.std) } : {}),
    };
  });
  const outputs = (sg?.tables(SLOT.SubGraphMetadata.output_tensor_metadata) ?? []).map((t) => {
    const labels = t.tables(T.associated_files).find((f) => f.byte(SLOT.AssociatedFile.type) === ASSOCIATED_FILE_TYPE.TENSOR_AXIS_LABELS);
    return { name: t.string(T.name), description: t.string(T.description), ...(labels ? { labelsFile: labels.string(SLOT.AssociatedFile.name) } : {}) };
  });
  return { name: m.string(M.name), description: m.string(M.description), version: m.string(M.version), minParserVersion: m.string(M.min_parser_version), inputs, outputs };
}
