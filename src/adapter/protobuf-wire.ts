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

/** Reads bytes from a stream of chunks without holding more of it than asked for. */
class ChunkReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** Whether a byte is left to read, taking the next chunk when this one is used up. */
  private async available(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      const next = await this.chunks.next();
      if (next.done) return false;
      this.chunk = next.value;
      this.pos = 0;
    }
    return true;
  }

  /** The next byte, or null at the end of the stream. */
  async byte(): Promise<number | null> {
    return (await this.available()) ? this.chunk[this.pos++]! : null;
  }

  /** The next `n` bytes, copied out; `keep` false drops them as they pass (the graph of a large model). */
  async bytes(n: number, keep: boolean): Promise<Uint8Array> {
    const out = keep ? new Uint8Array(n) : new Uint8Array(0);
    let got = 0;
    while (got < n) {
      if (!(await this.available())) throw new Error('protobuf: length-delimited field runs past the end');
      const take = Math.min(n - got, this.chunk.length - this.pos);
      if (keep) out.set(this.chunk.subarray(this.pos, this.pos + take), got);
      this.pos += take;
      got += take;
    }
    return out;
  }

  async varint(first?: number): Promise<bigint> {
    let result = 0n;
    let shift = 0n;
    for (let b = first ?? (await this.byte()); ; b = await this.byte()) {
      if (b === null) throw new Error('protobuf: truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('protobuf: varint too long');
    }
  }
}

/**
 * The top-level fields of a message read from a stream of chunks, keeping the payloads of the
 * length-delimited fields `keep` names and only passing over the rest, so a model file's metadata
 * can be read without the whole file in memory. Fields not kept are left out of the result.
 */
export async function readStreamFields(chunks: AsyncIterable<Uint8Array>, keep: (field: number) => boolean): Promise<WireField[]> {
  const reader = new ChunkReader(chunks[Symbol.asyncIterator]());
  const fields: WireField[] = [];
  for (let first = await reader.byte(); first !== null; first = await reader.byte()) {
    const tag = await reader.varint(first);
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === WIRE_VARINT) await reader.varint();
    else if (wire === WIRE_I64) await reader.bytes(8, false);
    else if (wire === WIRE_I32) await reader.bytes(4, false);
    else if (wire === WIRE_LEN) {
      const kept = keep(field);
      const payload = await reader.bytes(Number(await reader.varint()), kept);
      if (kept) fields.push({ field, wire, payload, raw: lenField(field, payload) });
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return fields;
}
