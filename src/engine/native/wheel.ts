/**
 * Getting TensorFlow's C library out of a TensorFlow CPU wheel: download it with pip as configured on
 * the machine (or take a given file), then extract only the headers and the two shared libraries (about
 * 850 MB unpacked from a 274 MB wheel) by streaming members to disk — never the whole archive in memory.
 * The extraction goes to a temporary sibling folder renamed into place, so the cache is never half-written.
 */
import { existsSync, readdirSync, renameSync, rmSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../../errors.ts';
import { lastLine, runTool } from './run-tool.ts';
import { WHEEL_LIBRARIES } from './native-paths.ts';

/** Name of the file written last into a complete extraction. */
export const EXTRACTED_MARKER = 'extracted.json';

/** Python used for pip and (without `unzip`) for zipfile extraction. */
const PYTHON = process.env.RANAS_PYTHON ?? 'python3';
/** pip retries unreachable indexes before it finds a local one; 3 minutes covers that. */
const PIP_TIMEOUT_MS = 180_000;
const EXTRACT_TIMEOUT_MS = 300_000;

/** True when `tfDir` holds a complete extraction. */
export function isExtracted(tfDir: string): boolean {
  return existsSync(join(tfDir, EXTRACTED_MARKER)) && WHEEL_LIBRARIES.every((l) => existsSync(join(tfDir, 'lib', l)));
}

/** The wheel of `version` already in `dir`, if any. */
export function findWheel(dir: string, version: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).find((f) => f.startsWith(`tensorflow_cpu-${version}-`) && f.endsWith('.whl'));
  return name === undefined ? undefined : join(dir, name);
}

/**
 * Downloads `tensorflow-cpu==version` (no dependencies) into `dir` with pip; returns the wheel's path.
 * Throws `E_NATIVE_NO_PYTHON` or `E_NATIVE_WHEEL` with pip's last error line.
 */
export async function downloadWheel(dir: string, version: string): Promise<string> {
  const have = findWheel(dir, version);
  if (have) return have;
  mkdirSync(dir, { recursive: true });
  const r = await runTool(PYTHON, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', `tensorflow-cpu==${version}`, '-d', dir], { timeoutMs: PIP_TIMEOUT_MS });
  if (r.missing) throw new RanasError('E_NATIVE_NO_PYTHON', `${PYTHON} not found; expected Python with pip to download tensorflow-cpu==${version} (or pass --wheel PATH)`);
  const wheel = findWheel(dir, version);
  if (r.code !== 0 || !wheel) {
    const why = r.timedOut ? `timed out after ${PIP_TIMEOUT_MS / 1000} s` : lastLine(r.stderrTail) || `exit code ${r.code}`;
    throw new RanasError('E_NATIVE_WHEEL', `pip could not download tensorflow-cpu==${version}: ${why}; expected a wheel in ${dir} (or pass --wheel PATH)`, { version });
  }
  return wheel;
}

/** Members to extract: every header under tensorflow/include/ and the two libraries. */
export function wheelMembers(): string[] {
  return ['tensorflow/include/*', ...WHEEL_LIBRARIES.map((l) => `tensorflow/${l}`)];
}

// Streams selected members with Python's zipfile (used when `unzip` is not installed).
const PY_EXTRACT = `
import sys, zipfile, shutil, os
wheel, dest = sys.argv[1], sys.argv[2]
libs = set(sys.argv[3:])
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        n = info.filename
        if n.endswith('/') or not (n.startswith('tensorflow/include/') or n in libs):
            continue
        out = os.path.join(dest, n)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
`;

/**
 * Extracts headers to `<tfDir>/include` and the libraries to `<tfDir>/lib` (replacing any partial state).
 * Throws `E_NATIVE_WHEEL` when the file is not a TensorFlow wheel with those members.
 */
export async function extractWheel(wheel: string, tfDir: string): Promise<{ tool: 'unzip' | 'python-zipfile'; elapsedMs: number }> {
  if (!existsSync(wheel) || !statSync(wheel).isFile()) {
    throw new RanasError('E_NATIVE_WHEEL', `wheel ${wheel} not found; expected a tensorflow-cpu .whl file`, { wheel });
  }
  const staging = `${tfDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const t0 = performance.now();
  let tool: 'unzip' | 'python-zipfile' = 'unzip';
  let r = await runTool('unzip', ['-q', '-o', wheel, ...wheelMembers(), '-d', staging], { timeoutMs: EXTRACT_TIMEOUT_MS });
  if (r.missing) {
    tool = 'python-zipfile';
    r = await runTool(PYTHON, ['-c', PY_EXTRACT, wheel, staging, ...WHEEL_LIBRARIES.map((l) => `tensorflow/${l}`)], { timeoutMs: EXTRACT_TIMEOUT_MS });
  }
  const inner = join(staging, 'tensorflow');
  const complete = r.code === 0 && existsSync(join(inner, 'include', 'tensorflow', 'c', 'c_api.h')) && WHEEL_LIBRARIES.every((l) => existsSync(join(inner, l)));
  if (!complete) {
    rmSync(staging, { recursive: true, force: true });
    const why = r.missing ? `neither unzip nor ${PYTHON} is installed` : lastLine(r.stderrTail) || 'tensorflow/include/tensorflow/c/c_api.h or a library missing';
    throw new RanasError('E_NATIVE_WHEEL', `could not extract the C library from ${wheel}: ${why}; expected a tensorflow-cpu wheel with tensorflow/include/ and ${WHEEL_LIBRARIES.join(', ')}`, { wheel });
  }
  mkdirSync(join(staging, 'lib'));
  for (const l of WHEEL_LIBRARIES) renameSync(join(inner, l), join(staging, 'lib', l));
  renameSync(join(inner, 'include'), join(staging, 'include'));
  rmSync(inner, { recursive: true, force: true });
  writeFileSync(join(staging, EXTRACTED_MARKER), JSON.stringify({ wheel, extractedAt: new Date().toISOString() }) + '\n');
  rmSync(tfDir, { recursive: true, force: true });
  renameSync(staging, tfDir);
  return { tool, elapsedMs: performance.now() - t0 };
}
