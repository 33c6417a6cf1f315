// ONNX messages (onnx.proto, IR version 8) as plain objects: encoded for models we compile, and the little we
// read back from any .onnx file (which node produces an output) to describe it.
import { ProtoWriter, decodeString, readFields, type ProtoField } from './protobuf.ts';

export const IR_VERSION = 8;
export const OPSET_VERSION = 13;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export type OnnxInitializer =
  | { name: string; dims: number[]; dataType: typeof DataType.FLOAT; values: Float32Array }
  | { name: string; dims: number[]; dataType: typeof DataType.INT64; values: BigInt64Array };

/** A float32 tensor value; a string dimension is symbolic (the batch). */
export interface OnnxValueInfo {
  name: string;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** ModelProto.metadata_props: free key/value strings carried with the model. */
  metadata?: Record<string, string>;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

export function encodeModel(model: OnnxModel): Uint8Array {
  const opset = new ProtoWriter().string(1, '').int(2, OPSET_VERSION).finish();
  const writer = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, model.producerName)
    .string(3, model.producerVersion)
    .message(7, encodeGraph(model.graph))
    .message(8, opset);
  if (model.docString) writer.string(6, model.docString);
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    writer.message(14, new ProtoWriter().string(1, key).string(2, value).finish());
  }
  return writer.finish();
}

function encodeGraph(graph: OnnxGraph): Uint8Array {
  const writer = new ProtoWriter();
  for (const node of graph.nodes) writer.message(1, encodeNode(node));
  writer.string(2, graph.name);
  for (const initializer of graph.initializers) writer.message(5, encodeTensor(initializer));
  for (const input of graph.inputs) writer.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) writer.message(12, encodeValueInfo(output));
  return writer.finish();
}

function encodeNode(node: OnnxNode): Uint8Array {
  const writer = new ProtoWriter();
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, node.name).string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) writer.message(5, encodeAttribute(name, value));
  return writer.finish();
}

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  const writer = new ProtoWriter().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`attribute ${name}: ${value} is not an integer; pass {float: x}`);
    writer.int(3, value).int(20, ATTR_INT);
  } else if (typeof value === 'string') {
    writer.string(4, value).int(20, ATTR_STRING);
  } else if (Array.isArray(value)) {
    for (const item of value) writer.int(8, item);
    writer.int(20, ATTR_INTS);
  } else if ('float' in value) {
    writer.float(2, value.float).int(20, ATTR_FLOAT);
  } else {
    for (const item of value.floats) writer.float(7, item);
    writer.int(20, ATTR_FLOATS);
  }
  return writer.finish();
}

function encodeTensor(tensor: OnnxInitializer): Uint8Array {
  const writer = new ProtoWriter();
  for (const dim of tensor.dims) writer.int(1, dim);
  writer.int(2, tensor.dataType).string(8, tensor.name);
  // raw_data is little-endian; typed arrays are in the platform's order, which is little-endian on every Node target.
  const { buffer, byteOffset, byteLength } = tensor.values;
  writer.bytes(9, new Uint8Array(buffer, byteOffset, byteLength));
  return writer.finish();
}

function encodeValueInfo(info: OnnxValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    const dimension = typeof dim === 'number' ? new ProtoWriter().int(1, dim) : new ProtoWriter().string(2, dim);
    shape.message(1, dimension.finish());
  }
  const tensorType = new ProtoWriter().int(1, DataType.FLOAT).message(2, shape.finish()).finish();
  const type = new ProtoWriter().message(1, tensorType).finish();
  return new ProtoWriter().string(1, info.name).message(2, type).finish();
}

/** What describing a model needs: its metadata, each node's type and wiring, and the graph's output names. */
export interface ModelSummary {
  metadata: Record<string, string>;
  nodes: { opType: string; inputs: string[]; outputs: string[] }[];
  outputNames: string[];
}

/** Reads only metadata, node wiring and output names; initializers are skipped over as views, not decoded. */
export function summarizeModel(bytes: Uint8Array): ModelSummary {
  let graphBytes: Uint8Array | null = null;
  const metadata: Record<string, string> = {};
  for (const field of readFields(bytes)) {
    if (field.wireType !== 2) continue;
    if (field.field === 7) graphBytes = field.value;
    if (field.field === 14) metadata[firstString(field.value, 1) ?? ''] = firstString(field.value, 2) ?? '';
  }
  const nodes: ModelSummary['nodes'] = [];
  const outputNames: string[] = [];
  if (!graphBytes) return { metadata, nodes, outputNames };
  for (const field of readFields(graphBytes)) {
    if (field.wireType !== 2) continue;
    if (field.field === 1) nodes.push(summarizeNode(field.value));
    if (field.field === 12) outputNames.push(firstString(field.value, 1) ?? '');
  }
  return { metadata, nodes, outputNames };
}

function summarizeNode(bytes: Uint8Array): ModelSummary['nodes'][number] {
  const node = { opType: '', inputs: [] as string[], outputs: [] as string[] };
  for (const field of readFields(bytes)) {
    if (field.wireType !== 2) continue;
    if (field.field === 1) node.inputs.push(decodeString(field.value));
    else if (field.field === 2) node.outputs.push(decodeString(field.value));
    else if (field.field === 4) node.opType = decodeString(field.value);
  }
  return node;
}

function firstString(bytes: Uint8Array, fieldNumber: number): string | null {
  for (const field of readFields(bytes) as Iterable<ProtoField>) {
    if (field.field === fieldNumber && field.wireType === 2) return decodeString(field.value);
  }
  return null;
}

/** metadata_props key our compiled models set to 'NHWC' (see OnnxSession's layout detection). */
export const INPUT_LAYOUT_METADATA_KEY = 'astri.input_layout';
