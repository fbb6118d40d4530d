import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARM64_PIECES, PROJECT_ROOT, checkArm64Pieces, elfMachine } from './arm64-natives.ts';

test('the linux-arm64 native libraries of TFLite, ONNX Runtime and serialport are in node_modules', () => {
  const found = checkArm64Pieces();
  for (const p of found.filter((x) => x.prebuilt)) assert.equal(p.machine, 'aarch64', `${p.file} (${p.what})`);
});

test("tfjs-tflite-node's own binding is built for the host at install; its build file links the arm64 TFLite on linux arm64", () => {
  const binding = found('tfjs-tflite-node/build/Release/node_tflite_binding.node');
  assert.equal(binding.machine, process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86-64' : binding.machine);
  const gyp = fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules/tfjs-tflite-node/binding.gyp'), 'utf8');
  assert.match(gyp, /OS=="linux" and ARCH=="arm64"[\s\S]*cc_deps\/linux_arm64\/libtensorflowlite_c\.so/);
});

test('elfMachine reads x86-64 and aarch64 headers and reports missing files', () => {
  assert.equal(elfMachine('/nonexistent/file.so'), 'missing');
  assert.equal(elfMachine(path.join(PROJECT_ROOT, 'package.json')), 'not-elf');
  assert.equal(elfMachine(process.execPath), process.arch === 'x64' ? 'x86-64' : 'aarch64');
  assert.ok(ARM64_PIECES.length >= 5);
});

function found(file: string) {
  const p = checkArm64Pieces().find((x) => x.file === file);
  assert.ok(p, file);
  return p;
}
