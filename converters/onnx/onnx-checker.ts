/**
 * The reference ONNX checker (Debian's python3-onnx: `onnx.checker.check_model(..., full_check=True)`,
 * which also runs shape inference), for tests. `available()` is false when the module is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const CHECK = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';

/** True when `/usr/bin/python3 -c 'import onnx'` works. */
export function onnxCheckerAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
}

/** Runs the checker on model bytes; throws with the checker's message when the model is invalid. */
export function checkOnnxModel(bytes: Uint8Array): void {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-onnx-check-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    execFileSync(PYTHON, ['-c', CHECK, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
