/** Bytes <-> base64 for JSON files (exports carry thumbnails, vectors and sealed data this way). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  // In chunks: String.fromCharCode(...all) overflows the call stack on large arrays.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
