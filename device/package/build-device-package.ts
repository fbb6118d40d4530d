/**
 * The slim device package: `ranas-agent` for one platform, as an npm tarball that installs on a machine
 * without this repo, without a registry and without compiling anything. It holds
 *   dist/      the agent compiled to JavaScript (only the modules device/agent-cli.ts imports),
 *   natives/<platform>/  the TFLite addon built for that platform with the TFLite C library beside it,
 *   node_modules/        its dependencies (commander, protobufjs, serialport's binding, ONNX Runtime),
 *                        copied from this checkout and pruned to the platform (bundleDependencies),
 *   bin/ranas-agent.mjs, systemd/ranas-agent.service.
 * No tfjs, no training code, no plotting.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { PACKAGE_ROOT } from '../../src/package-root.ts';
import { packageVersion } from '../../src/run-folder.ts';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../agent-node-flags.ts';
import { nativesDir } from '../../src/tflite-addon-path.ts';
import { DEVICE_PLATFORMS, type DevicePlatform } from './device-platforms.ts';
import { buildTfliteAddon } from './tflite-addon-build.ts';
import { vendorDependencies, type VendoredPackage } from './vendor-dependencies.ts';

/** npm name of the device package (one name for every platform, so the install path is the same). */
export const DEVICE_PACKAGE_NAME = 'ranas-agent';

/** The packages the compiled agent imports; the build refuses an import not listed here. */
export const AGENT_DEPENDENCIES = ['commander', 'protobufjs', '@serialport/bindings-cpp', 'onnxruntime-node'] as const;

/** Entry module of the agent. */
const AGENT_ENTRY = 'device/agent-cli.ts';

/** Files the compiled code reads beside itself. */
const ASSETS = ['firmware-bridge/protocol.proto'];

/** Tarball file name of the device package for a platform. */
export function deviceTarballName(platform: DevicePlatform, version = packageVersion()): string {
  return `${DEVICE_PACKAGE_NAME}-${version}-${platform}.tgz`;
}

/** The first line of bin/ranas-agent.mjs: the agent's environment and V8 flags (agent-node-flags.ts). */
export function agentShebang(): string {
  const env = Object.entries(AGENT_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
  return `#!/usr/bin/env -S ${env} node ${AGENT_NODE_FLAGS.join(' ')}`;
}

/** Result of a build. */
export interface DevicePackage {
  platform: DevicePlatform;
  tarball: string;
  tarballBytes: number;
  /** Bytes of the staged package folder (what an install unpacks). */
  stagedBytes: number;
  dependencies: VendoredPackage[];
}

/** Total size of the regular files under `dir`. */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Compiles the agent's module closure into `outDir` (same tree as the sources, `.ts` imports rewritten). */
function compileAgent(root: string, outDir: string): void {
  const tmp = mkdtempSync(join(tmpdir(), 'ranas-agent-tsc-'));
  const config = join(tmp, 'tsconfig.json');
  writeFileSync(config, JSON.stringify({
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { noEmit: false, rootDir: root, outDir, rewriteRelativeImportExtensions: true, declaration: false, sourceMap: false, typeRoots: [join(root, 'node_modules', '@types')] },
    include: [],
    files: [join(root, AGENT_ENTRY)],
  }));
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const out = e instanceof Error && 'stdout' in e ? String(e.stdout) : String(e);
    throw new RanasError('E_DEVICE_PACKAGE', `tsc could not compile the agent: ${out.split('\n').slice(0, 5).join(' | ')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const a of ASSETS) {
    mkdirSync(join(outDir, a, '..'), { recursive: true });
    copyFileSync(join(root, a), join(outDir, a));
  }
}

/** Bare module specifiers (packages, not node: built-ins or relative paths) the compiled files import. */
export function packageImports(distDir: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
          const spec = m[1];
          if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
      }
    }
  };
  walk(distDir);
  return found;
}

/** Builds the device package for `platform` into `outDir`; returns the tarball. */
export function buildDevicePackage(platform: DevicePlatform, outDir: string, root = PACKAGE_ROOT): DevicePackage {
  const spec = DEVICE_PLATFORMS[platform];
  const version = packageVersion();
  const stage = join(outDir, `${DEVICE_PACKAGE_NAME}-${platform}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });

  compileAgent(root, join(stage, 'dist'));
  const imported = [...packageImports(join(stage, 'dist'))];
  const unlisted = imported.filter((p) => !(AGENT_DEPENDENCIES as readonly string[]).includes(p));
  if (unlisted.length > 0) throw new RanasError('E_DEVICE_PACKAGE', `the compiled agent imports ${unlisted.join(', ')}; expected only ${AGENT_DEPENDENCIES.join(', ')} (add it to AGENT_DEPENDENCIES if the device needs it)`);

  buildTfliteAddon(platform, nativesDir(stage, spec.platform, spec.arch), root);
  const dependencies = vendorDependencies(AGENT_DEPENDENCIES, platform, root, stage);
  const versionOf = (name: string) => dependencies.find((d) => d.name === name && d.path === join('node_modules', name))?.version ?? '*';

  mkdirSync(join(stage, 'bin'));
  const bin = join(stage, 'bin', 'ranas-agent.mjs');
  writeFileSync(bin, `${agentShebang()}
// The ranas device agent (${platform}): compiled JavaScript, prebuilt native addons, no install step.
const { main } = await import('../dist/device/agent-cli.js');
await main(process.argv);
`);
  chmodSync(bin, 0o755);
  mkdirSync(join(stage, 'systemd'));
  copyFileSync(join(root, 'device', 'systemd', 'ranas-agent.service'), join(stage, 'systemd', 'ranas-agent.service'));
  writeFileSync(join(stage, 'README.md'), `# ranas-agent (${platform})

The ranas device agent: budgeted anytime inference on int8 TFLite / ONNX bundles, flashed over a serial
link or TCP. Built from the ranas repository (\`npm run device-package\`); see docs/raspberry-pi.md there.
Everything is inside: the agent as JavaScript, the TFLite addon and C library, ONNX Runtime and the
serialport binding prebuilt for ${platform}. Node.js 20 or later.

    npm install --prefix /opt/ranas --offline --no-audit --no-fund ./${deviceTarballName(platform, version)}
    /opt/ranas/node_modules/.bin/ranas-agent --help
`);
  writeFileSync(join(stage, 'package.json'), JSON.stringify({
    name: DEVICE_PACKAGE_NAME,
    version,
    description: `ranas device agent for ${platform}: budgeted anytime inference on TFLite/ONNX bundles over serial or TCP`,
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20' },
    os: [spec.platform],
    cpu: [spec.arch],
    bin: { 'ranas-agent': 'bin/ranas-agent.mjs' },
    files: ['bin', 'dist', 'natives', 'systemd', 'README.md'],
    dependencies: Object.fromEntries(AGENT_DEPENDENCIES.map((d) => [d, versionOf(d)])),
    bundleDependencies: [...AGENT_DEPENDENCIES],
  }, null, 2) + '\n');

  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } }).trim().split('\n').pop() ?? '';
  const tarball = join(outDir, deviceTarballName(platform, version));
  renameSync(join(outDir, packed), tarball);
  return { platform, tarball, tarballBytes: statSync(tarball).size, stagedBytes: folderBytes(stage), dependencies };
}

/** Where a build's files are, relative to the checkout (for printing). */
export function describe(p: DevicePackage, root = PACKAGE_ROOT): string {
  return `${relative(root, p.tarball)}: ${(p.tarballBytes / 1e6).toFixed(1)} MB packed, ${(p.stagedBytes / 1e6).toFixed(1)} MB unpacked, ${p.dependencies.length} vendored packages`;
}
