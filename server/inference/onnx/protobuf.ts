// The few protocol-buffer wire rules an ONNX file needs, so the ONNX path has no code-generation dependency.
// Encoding follows proto2 defaults (onnx.proto is proto2): repeated scalars are written unpacked; the reader
// accepts both packed and unpacked forms, as every protobuf parser must.

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** Appends fields of one message; `finish()` returns its bytes, which a parent embeds with `message()`. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  /** int64/int32/enum/bool field; negative values take the ten-byte two's-complement form, as protobuf requires. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  /** An embedded message, already encoded by its own writer. */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt(field * 8 + wireType));
  }

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  private push(bytes: Uint8Array): void {
    this.flushScratch();
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.length += this.scratch.length;
    this.scratch = [];
  }
}

/** Thrown for bytes that are not a well-formed protobuf message. */
export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

export type ProtoField =
  | { field: number; wireType: 0; value: bigint }
  | { field: number; wireType: 1 | 5; value: Uint8Array }
  | { field: number; wireType: 2; value: Uint8Array };

/** Iterates the top-level fields of one message without copying: length-delimited values are views. */
export function* readFields(bytes: Uint8Array): Generator<ProtoField> {
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= bytes.length) throw new ProtobufDecodeError('truncated varint');
      const byte = bytes[offset++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufDecodeError('varint longer than 10 bytes');
    }
  };
  const take = (length: number): Uint8Array => {
    if (length < 0 || offset + length > bytes.length) throw new ProtobufDecodeError('field runs past the end of the message');
    const view = bytes.subarray(offset, offset + length);
    offset += length;
    return view;
  };
  while (offset < bytes.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtobufDecodeError('field number 0');
    switch (wireType) {
      case WIRE_VARINT:
        yield { field, wireType, value: readVarint() };
        break;
      case WIRE_FIXED64:
        yield { field, wireType, value: take(8) };
        break;
      case WIRE_BYTES:
        yield { field, wireType, value: take(Number(readVarint())) };
        break;
      case WIRE_FIXED32:
        yield { field, wireType, value: take(4) };
        break;
      default:
        // Groups (3, 4) are not used by onnx.proto; anything else means the bytes are not protobuf.
        throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
    }
  }
}

export function decodeString(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}
