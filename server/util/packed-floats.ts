// Numbers as their IEEE 754 bytes, little-endian, in base64: exact to the bit, and far cheaper to write, send and
// parse than one JSON number each (a float32 printed as JSON takes up to 17 digits and a float parse to read back).
import { endianness } from 'node:os';

const BIG_ENDIAN = endianness() === 'BE';

function littleEndianBase64(view: Float32Array | Float64Array, swap: (bytes: Buffer) => Buffer): string {
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  return (BIG_ENDIAN ? swap(Buffer.from(bytes)) : bytes).toString('base64');
}

export function float32ToBase64(values: Float32Array): string {
  return littleEndianBase64(values, (bytes) => bytes.swap32());
}

export function float64ToBase64(values: Float64Array): string {
  return littleEndianBase64(values, (bytes) => bytes.swap64());
}

/** Float32s from base64; RangeError when the bytes are not whole floats. */
export function float32FromBase64(text: string): Float32Array {
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length % 4 !== 0) throw new RangeError(`${decoded.length} bytes are not whole 32-bit floats`);
  // Copied into memory of its own: a Float32Array needs 4-byte alignment, which a pooled Buffer may not have.
  const bytes = new Uint8Array(decoded);
  if (BIG_ENDIAN) Buffer.from(bytes.buffer).swap32();
  return new Float32Array(bytes.buffer);
}
