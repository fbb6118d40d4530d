/**
 * The device package's agent on two machines — the arm64 build under qemu-aarch64 and the x86-64 build on
 * the host — each installed from its tarball and driven over a real pseudo-terminal pair by the host's
 * DeviceClient: every bundle flashed (HMAC-authenticated, verified), then the same test images asked with
 * `everyExit`, so each answer carries every exit's class, confidence and raw logits. `compareAnswers`
 * holds the two sides' answers against a stated tolerance per precision (`agreementRule`): the runtimes'
 * arm64 and x86-64 kernels round differently, so not even int8 TFLite is bit-identical across the two.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeviceClient } from '../../../firmware-bridge/client/device-client.ts';
import { loadBundleTar } from '../../../firmware-bridge/client/bundle-tar.ts';
import { generateSigningKeyPair, readSigningKey, trustPublicKey } from '../../../firmware-bridge/auth/signing-keys.ts';
import { readKeyFile } from '../../../firmware-bridge/device-key.ts';
import type { ExitReadoutMsg } from '../../../firmware-bridge/messages.ts';
import { SerialTransport } from '../../../firmware-bridge/transport/serial-transport.ts';
import { imageBytes, type ImageDataset } from '../../../src/data/types.ts';
import { RanasError } from '../../../src/errors.ts';
import { installDevicePackage, startAgentOnPty, type InstallReport, type NodeSide } from './agent-on-pty.ts';

/**
 * How two sides' answers must agree for one bundle. A label may differ only where it can: when every logit
 * of an image moved by at most d, the top class can change only if its margin over the second is at most
 * 2d; a label that differs with a wider margin is a bug (counted in `labelMismatches`, never allowed).
 */
export interface AgreementRule {
  /** Largest |Δ| of one logit allowed (0 = identical), in the logits' own units (int8 steps for int8 outputs). */
  maxLogitDiff: number;
  /** Largest |Δ| of one exit's confidence allowed. */
  maxConfidenceDiff: number;
  /** Smallest share of images per exit with the same label. */
  minSameLabel: number;
}

/**
 * The rule for a bundle by precision. int8 (TFLite and ONNX Runtime alike): TFLite 2.9's optimized int8
 * kernels round some requantisation ties differently on x86-64 and arm64 (measured: 10 of 16,384 values
 * of the tiny preset's first conv differ by one step), and the difference grows through the layers;
 * allowed: 16 int8 steps per logit, 0.3 of confidence, 90 % same labels per exit (measured over 100 images:
 * 7 steps, 0.24, 97 %). fp32: 1e-3 per logit, 1e-4 of confidence, 99 % same labels.
 */
export function agreementRule(precision: string): AgreementRule {
  if (precision === 'int8') return { maxLogitDiff: 16, maxConfidenceDiff: 0.3, minSameLabel: 0.9 };
  return { maxLogitDiff: 1e-3, maxConfidenceDiff: 1e-4, minSameLabel: 0.99 };
}

/** How one exit agreed over all images. */
export interface ExitAgreement {
  exitIndex: number;
  images: number;
  sameLabel: number;
  /** Images whose label differs although its top-2 margin exceeds twice the image's largest |Δlogit|. */
  labelMismatches: number;
  identicalLogits: number;
  maxLogitDiff: number;
  maxConfidenceDiff: number;
}

/** Per exit agreement of answers `a` and `b` (image × exit readouts), and whether the rule holds. */
export function compareAnswers(a: readonly ExitReadoutMsg[][], b: readonly ExitReadoutMsg[][], rule: AgreementRule): { exits: ExitAgreement[]; ok: boolean } {
  if (a.length !== b.length) throw new RanasError('E_COMPARE', `one side answered ${a.length} images, the other ${b.length}; expected the same images`);
  const exitCount = a[0]?.length ?? 0;
  const exits: ExitAgreement[] = Array.from({ length: exitCount }, (_, k) => ({ exitIndex: k, images: a.length, sameLabel: 0, labelMismatches: 0, identicalLogits: 0, maxLogitDiff: 0, maxConfidenceDiff: 0 }));
  a.forEach((ra, i) => {
    const rb = b[i];
    if (ra.length !== exitCount || rb.length !== exitCount) throw new RanasError('E_COMPARE', `image ${i}: ${ra.length} and ${rb.length} exits answered; expected ${exitCount} on both sides`);
    ra.forEach((ea, k) => {
      const eb = rb[k];
      const e = exits[k];
      if (ea.logits.length !== eb.logits.length) throw new RanasError('E_COMPARE', `image ${i} exit ${k}: ${ea.logits.length} and ${eb.logits.length} logits`);
      let diff = 0;
      ea.logits.forEach((v, j) => { diff = Math.max(diff, Math.abs(v - eb.logits[j])); });
      e.maxLogitDiff = Math.max(e.maxLogitDiff, diff);
      if (diff === 0) e.identicalLogits++;
      e.maxConfidenceDiff = Math.max(e.maxConfidenceDiff, Math.abs(ea.confidence - eb.confidence));
      if (ea.classIndex === eb.classIndex) e.sameLabel++;
      else {
        const sorted = [...ea.logits].sort((x, y) => y - x);
        if (sorted[0] - sorted[1] > 2 * diff) e.labelMismatches++;
      }
    });
  });
  const ok = exits.every((e) => e.labelMismatches === 0 && e.maxLogitDiff <= rule.maxLogitDiff && e.maxConfidenceDiff <= rule.maxConfidenceDiff && e.sameLabel >= rule.minSameLabel * e.images);
  return { exits, ok };
}

/** One bundle's answers on one side. */
export interface BundleRun {
  bundle: string;
  runtime: string;
  precision: string;
  flashSeconds: number;
  /** Image × exit readouts. */
  answers: ExitReadoutMsg[][];
  /** The agent's own time per request with every exit run, µs. */
  totalUs: number[];
  /** Per segment, the agent's measured latency per request, µs. */
  segmentUs: number[][];
}

/** Everything one side did. */
export interface SideRun {
  side: string;
  install: InstallReport;
  bundles: BundleRun[];
}

/** Options of `runSide`. */
export interface SideOptions {
  side: NodeSide;
  tarball: string;
  /** Bundle folders, flashed in order. */
  bundles: string[];
  images: ImageDataset;
  count: number;
  keyFile: string;
  /** Scratch folder (the install prefix and the agent's store go inside). */
  workDir: string;
  /** Profiler settings (emulation is slow: few runs). */
  profileArgs: string[];
  say: (line: string) => void;
}

function manifestOf(bundle: string): { runtime: string; precision: string } {
  const m: unknown = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
  const field = (k: string): string => {
    const v: unknown = typeof m === 'object' && m !== null ? Reflect.get(m, k) : undefined;
    if (typeof v !== 'string') throw new RanasError('E_COMPARE', `${bundle}/manifest.json has no '${k}' string`);
    return v;
  };
  return { runtime: field('runtime'), precision: field('precision') };
}

/** Installs the package on one side, starts its agent, flashes each bundle and asks every image with everyExit. */
export async function runSide(o: SideOptions): Promise<SideRun> {
  const prefix = path.join(o.workDir, 'prefix');
  const store = path.join(o.workDir, 'store');
  fs.mkdirSync(prefix, { recursive: true });
  // Bundles are signed (Ed25519): a key pair for this run, its public half trusted by the side's store.
  const signing = generateSigningKeyPair(path.join(o.workDir, 'signing'));
  trustPublicKey(path.join(store, 'trusted-keys'), signing.publicFile);
  const install = installDevicePackage(o.side, { tarball: o.tarball, prefix, store, serial: '', keyFile: o.keyFile, deviceName: '' });
  o.say(`${o.side.label}: installed in ${install.seconds.toFixed(1)} s, ${(install.installedBytes / 1e6).toFixed(1)} MB; node -p process.arch → ${install.arch}`);
  const agent = await startAgentOnPty(o.side, { tarball: o.tarball, prefix, store, keyFile: o.keyFile, deviceName: o.side.label }, o.profileArgs);
  const bundles: BundleRun[] = [];
  try {
    const client = await DeviceClient.open({ connect: () => SerialTransport.open(agent.hostPath), timeoutMs: 5000 });
    try {
      const size = imageBytes(o.images);
      const shape = [1, o.images.height, o.images.width, o.images.channels];
      for (const [i, bundle] of o.bundles.entries()) {
        const tar = await loadBundleTar(bundle);
        const t0 = performance.now();
        // Bundles of one export share their createdAt; number them so each is a newer release than the last.
        const flashed = await client.flash(tar, { keyBytes: readKeyFile(o.keyFile), signingKey: readSigningKey(signing.privateFile), bundleVersion: i + 1, maxReconnects: 5 });
        const flashSeconds = (performance.now() - t0) / 1000;
        if (flashed.activeBundle?.sha256 !== tar.sha256) throw new RanasError('E_COMPARE', `${o.side.label}: after flashing ${bundle} the agent runs ${flashed.activeBundle?.sha256 ?? 'nothing'}; expected ${tar.sha256}`);
        const run: BundleRun = { bundle, ...manifestOf(bundle), flashSeconds, answers: [], totalUs: [], segmentUs: [] };
        for (let i = 0; i < o.count; i++) {
          const input = Buffer.from(o.images.images.subarray(i * size, (i + 1) * size));
          const r = await client.infer({ input, shape, dtype: 'uint8', budgetUs: 60e6, policy: 'deadline', topK: 1, everyExit: true });
          if (!r.exits || r.exits.length === 0) throw new RanasError('E_COMPARE', `${o.side.label}: the agent answered no exits for everyExit; expected one readout per exit`);
          run.answers.push(r.exits);
          run.totalUs.push(r.totalUs);
          r.segmentLatencyUs.forEach((us, k) => { (run.segmentUs[k] ??= []).push(us); });
        }
        o.say(`${o.side.label}: ${path.basename(bundle)} flashed in ${flashSeconds.toFixed(1)} s, ${o.count} images × ${run.answers[0].length} exits answered`);
        bundles.push(run);
      }
    } finally {
      await client.close();
    }
  } finally {
    await agent.stop();
  }
  return { side: o.side.label, install, bundles };
}

/** Median of a list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
