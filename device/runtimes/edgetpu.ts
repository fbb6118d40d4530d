/**
 * Coral Edge TPU: TFLite with libedgetpu as an external delegate. The library is looked up on the library
 * path (LD_LIBRARY_PATH, the standard Debian multiarch folders, and `ldconfig -p`); when it is absent the
 * runtime refuses with E_EDGETPU_UNAVAILABLE, it never crashes. The delegate itself is only created when a
 * segment is loaded with this runtime (tests never do). Models must be compiled with `edgetpu_compiler`
 * for the TPU to run them; ops it cannot run fall back to the CPU.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import type { Runtime, RuntimeOptions } from './runtime.ts';
import { tfliteRuntime } from './tflite-runtime.ts';

/** Shared library name of the Edge TPU runtime (Debian packages libedgetpu1-std / libedgetpu1-max). */
export const EDGETPU_LIBRARY = 'libedgetpu.so.1';

/** Folders searched besides LD_LIBRARY_PATH. */
const STANDARD_LIB_DIRS = ['/usr/lib/aarch64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib/arm-linux-gnueabihf', '/usr/local/lib', '/usr/lib', '/lib'];

/** Where to look: environment and `ldconfig -p` output are parameters so tests can drive them. */
export interface LibrarySearch {
  ldLibraryPath?: string;
  dirs?: string[];
  /** `ldconfig -p` output; default runs it (empty when it cannot run). */
  ldconfig?: () => string;
  exists?: (file: string) => boolean;
}

function runLdconfig(): string {
  for (const bin of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(bin, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 });
    } catch {
      // try the next location
    }
  }
  return '';
}

/** Path of libedgetpu.so.1 on this machine, or undefined. */
export function findEdgeTpuLibrary(search: LibrarySearch = {}): string | undefined {
  const exists = search.exists ?? ((f: string) => fs.existsSync(f));
  const dirs = [...(search.ldLibraryPath ?? process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...(search.dirs ?? STANDARD_LIB_DIRS)];
  for (const dir of dirs) {
    const file = path.join(dir, EDGETPU_LIBRARY);
    if (exists(file)) return file;
  }
  const listed = (search.ldconfig ?? runLdconfig)().split('\n').map((l) => /^\s*libedgetpu\.so\.1 .*=> (\S+)/.exec(l)?.[1]).find((p) => p !== undefined);
  return listed && exists(listed) ? listed : undefined;
}

/** Options of the Edge TPU runtime. */
export interface EdgeTpuOptions extends RuntimeOptions {
  /** Which TPU: 'usb', 'pci', 'usb:0', ... (libedgetpu's `device` option). Default: the first found. */
  device?: string;
  search?: LibrarySearch;
}

/** The Edge TPU runtime; throws E_EDGETPU_UNAVAILABLE naming where it looked when libedgetpu is absent. */
export function edgeTpuRuntime(opts: EdgeTpuOptions = {}): Runtime {
  const lib = findEdgeTpuLibrary(opts.search);
  if (!lib) {
    throw new RanasError('E_EDGETPU_UNAVAILABLE', `${EDGETPU_LIBRARY} was not found on the library path (LD_LIBRARY_PATH, ${STANDARD_LIB_DIRS.join(', ')}, ldconfig); install libedgetpu1-std from the Coral apt repository (see docs/raspberry-pi.md)`);
  }
  const options: [string, string][] = opts.device ? [['device', opts.device]] : [];
  return tfliteRuntime(opts, { path: lib, options }, 'edgetpu');
}
