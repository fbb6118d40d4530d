/**
 * The PyTorch baseline's three outcomes: absent (no Python, or Python without torch — this machine),
 * measured (a stand-in Python that imports "torch" and prints the script's JSON line), failed (the script
 * prints something else), plus the PyTorch script compiles under the real python3 when there is one.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTorchFigures, torchBaseline, TORCH_SCRIPT } from './torch-baseline.ts';

const dir = mkdtempSync(join(tmpdir(), 'ranas-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `python` that succeeds on `-c ...` and prints `scriptOutput` when given a script. */
function fakePython(name: string, scriptOutput: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\nprintf '%s\\n' 'torch banner line' '${scriptOutput}'\n`);
  chmodSync(path, 0o755);
  return path;
}

const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasTorch = hasPython && spawnSync('python3', ['-c', 'import torch']).status === 0;

it('a missing python executable is reported as absent, naming the executable', () => {
  const r = torchBaseline({ python: join(dir, 'no-such-python'), seconds: 1, batch: 64 });
  assert.equal(r.status, 'absent');
  assert.ok(r.status === 'absent' && r.reason.includes('no-such-python'), JSON.stringify(r));
});

it('python3 without torch is reported as absent with Python\'s own error', { skip: !hasPython || hasTorch ? 'needs python3 without torch' : false }, () => {
  const r = torchBaseline({ seconds: 1, batch: 64 });
  assert.equal(r.status, 'absent');
  assert.match(r.status === 'absent' ? r.reason : '', /No module named 'torch'/);
});

it('the script\'s JSON line becomes the figures (the last line of its output)', () => {
  const python = fakePython('ok-python', '{"torch": "2.5.1", "threads": 2, "forwardImgPerSec": 4100.5, "trainingImgPerSec": 1700}');
  assert.deepEqual(torchBaseline({ python, seconds: 1, batch: 64 }), { status: 'measured', version: '2.5.1', threads: 2, forwardImgPerSec: 4100.5, trainingImgPerSec: 1700 });
});

it('output that is not the expected JSON is a failure naming the field, not "absent"', () => {
  const r = torchBaseline({ python: fakePython('bad-python', '{"torch": "2.5.1", "threads": 2, "forwardImgPerSec": 10}'), seconds: 1, batch: 64 });
  assert.equal(r.status, 'failed');
  assert.match(r.status === 'failed' ? r.reason : '', /trainingImgPerSec is undefined/);
  assert.throws(() => parseTorchFigures('Traceback (most recent call last):'), /is not JSON/);
  assert.throws(() => parseTorchFigures('{"torch": 2}'), /torch is 2; expected the version string/);
});

it('the PyTorch script compiles', { skip: hasPython ? false : 'no python3' }, () => {
  const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', TORCH_SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
