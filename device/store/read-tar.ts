/**
 * A small, strict reader of the tars bundles travel in (ustar, as `tar` writes with `portable: true`,
 * plus pax `path` records). It yields regular files only and refuses everything a hostile tar could use
 * against the store: links and symlinks, devices, nested or absolute paths, `..`, bad header checksums,
 * truncated data and more than `maxBytes` of file data. Nothing is written to disk here.
 */
import { RanasError } from '../../src/errors.ts';

const BLOCK = 512;

/** One regular file of the tar. */
export interface TarFile {
  name: string;
  bytes: Uint8Array;
}

/** Tar type flags → what they are (for the error message); only '0' and NUL are regular files. */
const TYPE_NAMES: Record<string, string> = {
  '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO', '7': 'contiguous file',
};

function text(block: Uint8Array, offset: number, length: number): string {
  const end = block.subarray(offset, offset + length).indexOf(0);
  return Buffer.from(block.subarray(offset, end < 0 ? offset + length : offset + end)).toString('utf8');
}

function octal(block: Uint8Array, offset: number, length: number, field: string, at: number): number {
  const s = text(block, offset, length).trim();
  if (!/^[0-7]*$/.test(s)) throw new RanasError('E_BUNDLE_TAR', `tar header at byte ${at}: field ${field} is '${s}'; expected an octal number`, { offset: at });
  return s === '' ? 0 : parseInt(s, 8);
}

/** A bundle file name: one plain path component of [A-Za-z0-9._-], not `.`/`..`. Throws E_BUNDLE_UNSAFE_PATH. */
export function checkBundleFileName(name: string, where: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    throw new RanasError('E_BUNDLE_UNSAFE_PATH', `${where}: file name '${name}' is not a plain file name; expected one path component of letters, digits, '.', '_' or '-' (no directories, no '..', not absolute)`, { file: name });
  }
}

/** Values of a pax extended header ("<len> key=value\n" records). */
function paxRecords(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of Buffer.from(bytes).toString('utf8').split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** Reads the regular files of `tar`; throws E_BUNDLE_TAR, E_BUNDLE_UNSAFE_PATH or E_BUNDLE_TOO_LARGE. */
export function readTar(tar: Uint8Array, maxBytes: number): TarFile[] {
  const files: TarFile[] = [];
  let total = 0;
  let paxPath: string | undefined;
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const stored = octal(header, 148, 8, 'chksum', at);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    if (sum !== stored) throw new RanasError('E_BUNDLE_TAR', `tar header at byte ${at} has checksum ${stored}; the header sums to ${sum}`, { offset: at });
    const size = octal(header, 124, 12, 'size', at);
    const type = String.fromCharCode(header[156] || 48);
    const magic = text(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? text(header, 345, 155) : '';
    const headerName = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100);
    const dataStart = at + BLOCK;
    if (dataStart + size > tar.length) throw new RanasError('E_BUNDLE_TAR', `tar entry '${headerName}' at byte ${at} declares ${size} bytes but the tar ends at ${tar.length}`, { offset: at });
    const data = tar.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') { paxPath = paxRecords(data).get('path'); continue; }
    if (type === 'g') continue;
    const name = (paxPath ?? headerName).replace(/^(\.\/)+/, '');
    paxPath = undefined;
    if (type === '5') {
      if (name === '' || name === '.' || name === './') continue; // the bundle folder itself
      throw new RanasError('E_BUNDLE_UNSAFE_PATH', `tar entry '${name}' is a directory; a bundle is flat (files only)`, { file: name });
    }
    if (type !== '0') {
      const what = TYPE_NAMES[type] ?? `entry of type '${type}'`;
      throw new RanasError('E_BUNDLE_UNSAFE_PATH', `tar entry '${name}' is a ${what}; a bundle tar may hold regular files only`, { file: name });
    }
    checkBundleFileName(name, 'bundle tar');
    total += size;
    if (total > maxBytes) throw new RanasError('E_BUNDLE_TOO_LARGE', `bundle tar holds more than ${maxBytes} bytes of files (reached ${total} at '${name}'); the limit is ${maxBytes}`, { maxBytes });
    if (files.some((f) => f.name === name)) throw new RanasError('E_BUNDLE_TAR', `tar holds '${name}' twice`, { file: name });
    files.push({ name, bytes: data });
  }
  return files;
}

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
