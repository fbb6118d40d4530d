/**
 * Reads the tars bundles travel in with the `tar` package's strict parser (ustar, pax paths) and keeps the
 * strictness a store needs: regular files only — links, symlinks, devices, FIFOs and nested directories are
 * refused; every name must be one plain path component (no `/`, no `..`, not absolute); bad header checksums
 * and truncated data are errors; at most `maxBytes` of file data; a name twice is an error. Nothing is written
 * to disk here.
 */
import { Parser, type ReadEntry } from 'tar';
import { RanasError } from '../../src/errors.ts';

/** One regular file of the tar. */
export interface TarFile {
  name: string;
  bytes: Uint8Array;
}

/** Entry types the parser reports that are regular files. */
const REGULAR = new Set(['File', 'OldFile']);

/** What every other entry type is, for the error message. */
const TYPE_NAMES: Record<string, string> = {
  Link: 'hard link', SymbolicLink: 'symbolic link', CharacterDevice: 'character device', BlockDevice: 'block device',
  FIFO: 'FIFO', ContiguousFile: 'contiguous file', Directory: 'directory',
};

/** A bundle file name: one plain path component of [A-Za-z0-9._-], not `.`/`..`. Throws E_BUNDLE_UNSAFE_PATH. */
export function checkBundleFileName(name: string, where: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    throw new RanasError('E_BUNDLE_UNSAFE_PATH', `${where}: file name '${name}' is not a plain file name; expected one path component of letters, digits, '.', '_' or '-' (no directories, no '..', not absolute)`, { file: name });
  }
}

/**
 * Byte offset of the first header whose checksum does not match, walking the entries (for the message: the
 * parser says what is wrong, not where), or null.
 */
function firstBadHeader(tar: Uint8Array): number | null {
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return null;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const field = Buffer.from(h.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
    if (parseInt(field, 8) !== sum) return at;
    const size = parseInt(Buffer.from(h.subarray(124, 136)).toString('latin1').replace(/[\0 ]+$/, '').trim() || '0', 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return null;
}

/** Reads the regular files of `tar`; throws E_BUNDLE_TAR, E_BUNDLE_UNSAFE_PATH or E_BUNDLE_TOO_LARGE. */
export function readTar(tar: Uint8Array, maxBytes: number): TarFile[] {
  const files: TarFile[] = [];
  let total = 0;
  let failure: unknown = null;
  const fail = (e: unknown) => { failure ??= e; };
  const parser = new Parser({ strict: true });
  parser.on('error', (e: Error) => {
    const at = firstBadHeader(tar);
    fail(new RanasError('E_BUNDLE_TAR', `bundle tar is not a valid tar: ${e.message}${at === null ? '' : ` (header at byte ${at})`}`, at === null ? {} : { offset: at }));
  });
  parser.on('entry', (entry: ReadEntry) => {
    try {
      const name = entry.path.replace(/^(\.\/)+/, '').replace(/\/$/, '');
      if (entry.type === 'Directory' && (name === '' || name === '.')) { entry.resume(); return; } // the bundle folder itself
      if (!REGULAR.has(entry.type)) {
        const what = TYPE_NAMES[entry.type] ?? `entry of type '${entry.type}'`;
        throw new RanasError('E_BUNDLE_UNSAFE_PATH', entry.type === 'Directory' ? `tar entry '${name}' is a directory; a bundle is flat (files only)` : `tar entry '${name}' is a ${what}; a bundle tar may hold regular files only`, { file: name });
      }
      checkBundleFileName(name, 'bundle tar');
      total += entry.size;
      if (total > maxBytes) throw new RanasError('E_BUNDLE_TOO_LARGE', `bundle tar holds more than ${maxBytes} bytes of files (reached ${total} at '${name}'); the limit is ${maxBytes}`, { maxBytes });
      if (files.some((f) => f.name === name)) throw new RanasError('E_BUNDLE_TAR', `tar holds '${name}' twice`, { file: name });
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        const bytes = Buffer.concat(chunks);
        if (bytes.length !== entry.size) fail(new RanasError('E_BUNDLE_TAR', `tar entry '${name}' declares ${entry.size} bytes but holds ${bytes.length}; the tar is truncated`, { file: name }));
        else files.push({ name, bytes: new Uint8Array(bytes) });
      });
    } catch (e) {
      fail(e);
      entry.resume();
    }
  });
  // The parser works synchronously on a whole buffer: every entry and error has been seen after end().
  parser.write(Buffer.from(tar.buffer, tar.byteOffset, tar.length));
  parser.end();
  if (failure !== null) throw failure;
  return files;
}
