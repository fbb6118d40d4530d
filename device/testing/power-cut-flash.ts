/**
 * The device side of one flash, run as its own process so a power cut can be simulated by SIGKILL
 * (RANAS_CRASH_AT_WRITE=N kills it at its Nth write step, firmware-bridge/durable/crash-point.ts):
 * FlashGuard + FlashSession (authorise, stage in chunks, fsync, sha256) → FsStore install (stage beside,
 * fsync, rename, activation: the profile is written as the agent does before the swap, pointer swaps,
 * clean-up) → the installed-version record. The same code the agent runs behind the bridge, minus the link
 * and the model runtime (neither writes to disk).
 *   tsx device/testing/power-cut-flash.ts --store DIR --tar FILE --link-key FILE --signing-key FILE [--chunk N]
 * Prints `steps N` (write steps passed) and `done ID` when the flash is installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bundleStatement, flashMac } from '../../firmware-bridge/auth/flash-statements.ts';
import { keyIdOf, readSigningKey, signStatement } from '../../firmware-bridge/auth/signing-keys.ts';
import { flashedBundleOf, loadBundleTar, readKeyFile } from '../../firmware-bridge/client/bundle-tar.ts';
import { crashPointsPassed } from '../../firmware-bridge/durable/crash-point.ts';
import { FlashGuard } from '../../firmware-bridge/server/flash-guard.ts';
import { FlashSession } from '../../firmware-bridge/server/flash-session.ts';
import { createPublicKey } from 'node:crypto';
import { FsStore } from '../store/fs-store.ts';

const { values } = parseArgs({ options: { store: { type: 'string' }, tar: { type: 'string' }, 'link-key': { type: 'string' }, 'signing-key': { type: 'string' }, chunk: { type: 'string', default: '4096' } } });
const storeDir = values.store ?? '';
const tar = await loadBundleTar(values.tar ?? '');
const linkKey = readKeyFile(values['link-key'] ?? '');
const signingKey = readSigningKey(values['signing-key'] ?? '');
const chunkBytes = Number(values.chunk);

const store = await FsStore.open(storeDir);
const stagingDir = path.join(storeDir, 'staging');
const guard = new FlashGuard({ stagingDir, keyBytes: linkKey, maxBundleBytes: 1 << 26, log: () => undefined, freeBytes: async () => Number.MAX_SAFE_INTEGER });
const session = new FlashSession({ stagingDir, guard, peer: 'power-cut' });
const nonce = randomBytes(16);
const b = flashedBundleOf(tar);
const { ack } = await session.begin({
  totalBytes: b.sizeBytes, sha256: b.sha256, name: b.name, bundleVersion: b.version, resume: true,
  auth: flashMac(linkKey, nonce, b), signature: signStatement(signingKey, bundleStatement(b)), keyId: keyIdOf(createPublicKey(signingKey)), downgradeSignature: Buffer.alloc(0),
}, nonce);
for (let at = ack.nextOffset; at < tar.bytes.length; at += chunkBytes) {
  await session.chunk({ offset: at, data: Buffer.from(tar.bytes.subarray(at, Math.min(at + chunkBytes, tar.bytes.length))) });
}
let installedId = '';
await session.commit(b.sha256, async (file) => {
  const installed = await store.install(file, {
    sourceSha256: b.sha256,
    // Activation as the agent does it: the loaded bundle's measured profile is saved before the pointer swap.
    accept: async (bundle) => store.writeProfile(bundle, { device: 'power-cut', measuredAt: new Date(0).toISOString(), segments: bundle.manifest.segments.map(() => ({ p50Us: 1, p99Us: 2, runs: 1 })) }),
  });
  installedId = installed.id;
});
await guard.recordInstalled({ version: b.version, sha256: b.sha256 });
fs.writeSync(1, `steps ${crashPointsPassed()}\ndone ${installedId}\n`);
