/**
 * Checks a built tfjs-node in a fresh Node process: every symbol the addon imports resolves at load
 * (`LD_BIND_NOW=1` makes the dynamic linker bind all of them up front instead of failing at first call),
 * and conv2d on the tensorflow backend matches tfjs's cpu backend on random data.
 */
import { RanasError } from '../../errors.ts';
import { lastLine, runTool } from './run-tool.ts';

/** What the check found. */
export interface AddonCheck {
  tfjsNodeVersion: string;
  /** TensorFlow C library version (`TF_Version()`). */
  tensorflowVersion: string;
  /** Largest |tensorflow − cpu| over a 2×9×9×5 ⊛ 3×3×5×4 conv2d output. */
  conv2dMaxAbsDiff: number;
}

/** conv2d outputs are O(1); float32 summation-order differences stay far below this. */
export const CONV2D_TOLERANCE = 1e-4;

// CommonJS run in the project root: loads tfjs-node (which selects the tensorflow backend) and compares.
const CHECK_SCRIPT = `
const req = require('node:module').createRequire(process.cwd() + '/package.json');
const tf = req('@tensorflow/tfjs-node');
const tfVersion = tf.backend().binding.TF_Version;
const x = tf.randomUniform([2, 9, 9, 5], -1, 1, 'float32', 1).arraySync();
const f = tf.randomUniform([3, 3, 5, 4], -1, 1, 'float32', 2).arraySync();
const native = tf.conv2d(tf.tensor4d(x), tf.tensor4d(f), 1, 'same').dataSync();
tf.setBackend('cpu');
const ref = tf.conv2d(tf.tensor4d(x), tf.tensor4d(f), 1, 'same').dataSync();
let d = 0;
for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - native[i]));
console.log(JSON.stringify({ tfjsNodeVersion: tf.version['tfjs-node'], tensorflowVersion: tfVersion, conv2dMaxAbsDiff: d }));
`;

function parseCheck(line: string): AddonCheck | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o: Record<string, unknown> = { ...v };
  const { tfjsNodeVersion, tensorflowVersion, conv2dMaxAbsDiff } = o;
  if (typeof tfjsNodeVersion !== 'string' || typeof tensorflowVersion !== 'string' || typeof conv2dMaxAbsDiff !== 'number') return undefined;
  return { tfjsNodeVersion, tensorflowVersion, conv2dMaxAbsDiff };
}

/**
 * Loads tfjs-node in a child process; throws `E_NATIVE_LOAD` (does not load, with the loader's message)
 * or `E_NATIVE_MISMATCH` (conv2d differs from cpu by more than `CONV2D_TOLERANCE`).
 */
export async function checkAddon(projectRoot: string): Promise<AddonCheck> {
  const env = { ...process.env, LD_BIND_NOW: '1', TF_CPP_MIN_LOG_LEVEL: '2' };
  const r = await runTool(process.execPath, ['-e', CHECK_SCRIPT], { cwd: projectRoot, env, timeoutMs: 120_000 });
  const check = parseCheck(lastLine(r.stdout));
  if (r.code !== 0 || !check) {
    const why = r.stderrTail.split('\n').find((l) => /Error|error:|undefined symbol|cannot open/.test(l))?.trim() ?? lastLine(r.stderrTail);
    throw new RanasError('E_NATIVE_LOAD', `tfjs-node does not load: ${why || `exit code ${r.code}`}`, {});
  }
  if (!(check.conv2dMaxAbsDiff <= CONV2D_TOLERANCE)) {
    throw new RanasError('E_NATIVE_MISMATCH', `tfjs-node conv2d differs from the cpu backend by ${check.conv2dMaxAbsDiff}; expected ≤ ${CONV2D_TOLERANCE}`, { ...check });
  }
  return check;
}
