/**
 * Which native pieces the agent needs on a Raspberry Pi (Linux arm64) and whether the installed
 * dependencies hold them, read from ELF headers (e_machine: 183 = AArch64, 62 = x86-64).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/package-root.ts';

/** Project root (node_modules lives here). */
export const PROJECT_ROOT = PACKAGE_ROOT;

/** ELF machine codes → names. */
const MACHINES: Record<number, string> = { 183: 'aarch64', 62: 'x86-64', 40: 'arm', 3: 'x86' };

/** Architecture of an ELF file ('missing' when absent, 'not-elf' otherwise). */
export function elfMachine(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return 'missing';
  }
  try {
    const head = Buffer.alloc(20);
    fs.readSync(fd, head, 0, 20, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return 'not-elf';
    const machine = head.readUInt16LE(18);
    return MACHINES[machine] ?? `machine-${machine}`;
  } finally {
    fs.closeSync(fd);
  }
}

/** A native file the Pi needs, relative to node_modules. */
export interface NativePiece {
  file: string;
  what: string;
  /** Shipped prebuilt for linux-arm64 (true), or compiled on the device at install (false). */
  prebuilt: boolean;
}

export const ARM64_PIECES: NativePiece[] = [
  { file: 'tfjs-tflite-node/cc_deps/linux_arm64/libtensorflowlite_c.so', what: 'TFLite 2.9 C library', prebuilt: true },
  { file: 'tfjs-tflite-node/cc_deps/linux_arm64/libexternal_delegate_obj.so', what: 'TFLite external delegate (Edge TPU loader)', prebuilt: true },
  { file: 'onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1', what: 'ONNX Runtime', prebuilt: true },
  { file: 'onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node', what: 'ONNX Runtime Node binding', prebuilt: true },
  { file: '@serialport/bindings-cpp/prebuilds/linux-arm64/@serialport+bindings-cpp.armv8.glibc.node', what: 'serialport binding (glibc)', prebuilt: true },
  { file: 'tfjs-tflite-node/build/Release/node_tflite_binding.node', what: 'tfjs-tflite-node binding (node-gyp build at npm install; host arch)', prebuilt: false },
];

/** Each piece with the architecture found. */
export function checkArm64Pieces(root = PROJECT_ROOT): (NativePiece & { machine: string })[] {
  return ARM64_PIECES.map((p) => ({ ...p, machine: elfMachine(path.join(root, 'node_modules', p.file)) }));
}
