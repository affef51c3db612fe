/**
 * Just enough of the protobuf wire format to edit an ONNX model in place: split a message into
 * fields, keep every field we do not touch byte-for-byte (so fields from any ONNX IR version
 * survive), and write fields back.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface WireField {
  field: number;
  wire: number;
  /** The whole field, tag included, exactly as it was read. */
  raw: Uint8Array;
  /** For length-delimited fields: the payload. */
  payload?: Uint8Array;
  /** For varint fields. */
  value?: bigint;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new Error('protobuf: varint too long');
  }
}

export function encodeVarint(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) v = (1n << 64n) + v;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    const f: WireField = { field, wire, raw: buf };
    if (wire === WIRE_VARINT) {
      [f.value, pos] = readVarint(buf, pos);
    } else if (wire === WIRE_I64) {
      pos += 8;
    } else if (wire === WIRE_I32) {
      pos += 4;
    } else if (wire === WIRE_LEN) {
      const [len, afterLen] = readVarint(buf, pos);
      const end = afterLen + Number(len);
      if (end > buf.length) throw new Error('protobuf: length-delimited field runs past the end');
      f.payload = buf.subarray(afterLen, end);
      pos = end;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
    if (pos > buf.length) throw new Error('protobuf: truncated field');
    f.raw = buf.subarray(start, pos);
    fields.push(f);
  }
  return fields;
}

export function lenField(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeVarint((field << 3) | WIRE_LEN), encodeVarint(payload.length), payload]);
}

export function varintField(field: number, value: bigint | number): Uint8Array {
  return concatBytes([encodeVarint((field << 3) | WIRE_VARINT), encodeVarint(value)]);
}

export function stringField(field: number, s: string): Uint8Array {
  return lenField(field, new TextEncoder().encode(s));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function decodeString(payload: Uint8Array): string {
  return new TextDecoder().decode(payload);
}
