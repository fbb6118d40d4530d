/**
 * Test tars: a ustar archive of regular files and, to test the reader's refusals, other entry types
 * (links, devices, directories), written byte by byte as a hostile tool could.
 */
const BLOCK = 512;

/** Writes a ustar archive of regular files (and, for tests, other entry types). */
export function writeTar(entries: { name: string; bytes?: Uint8Array; type?: string; linkName?: string }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const bytes = e.bytes ?? new Uint8Array(0);
    const header = new Uint8Array(BLOCK);
    const put = (s: string, offset: number, length: number) => header.set(Buffer.from(s, 'utf8').subarray(0, length), offset);
    put(e.name, 0, 100);
    put('0000644\0', 100, 8);
    put('0000000\0', 108, 8);
    put('0000000\0', 116, 8);
    put(bytes.length.toString(8).padStart(11, '0') + '\0', 124, 12);
    put('00000000000\0', 136, 12);
    put(e.type ?? '0', 156, 1);
    if (e.linkName) put(e.linkName, 157, 100);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    parts.push(header, bytes, new Uint8Array((BLOCK - (bytes.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(parts);
}
