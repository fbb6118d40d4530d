/**
 * The demo's second device run: the network ranas ships (models/pretrained, trained by `ranas study`) flashed
 * to its own local agent beside the quick demo model, swept over the same test images and budgets, so the
 * budget table a new user sees also shows what a properly trained network answers. Runs only on the local
 * link (a real device would be told to downgrade from the newer quick model: `ranas device flash
 * pretrained:<name>` does that on purpose) and only when the demo's images are the shipped network's kind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trustPublicKey } from '../../firmware-bridge/auth/signing-keys.ts';
import { parseBundleManifest } from '../bundle-format/parse-manifest.ts';
import type { ImageDataset } from '../data/types.ts';
import type { InferPolicy } from '../bundle-format/policy.ts';
import { pretrainedNames, readPretrained, pretrainedDir, type PretrainedInfo } from '../pretrained-models.ts';
import { runOnDevice, type DeviceRun } from './device-run.ts';
import { startLocalAgent } from './local-agent.ts';

/** A shipped network as the demo measured it. */
export interface PretrainedRun {
  info: PretrainedInfo;
  bundle: string;
  device: DeviceRun;
}

/** What the demo's pretrained step did: runs, or why it did not run. */
export interface PretrainedOutcome {
  runs: PretrainedRun[];
  skipped: string[];
}

export interface PretrainedRunOptions {
  runDir: string;
  keyFile: string;
  signing: { privateFile: string; publicFile: string };
  images: ImageDataset;
  bundle: string;
  profileRuns: number;
  budgetSteps: number;
  policies: InferPolicy[];
  maxSeconds: number;
  /** A real device link: shipped networks are not flashed to it. */
  remote: boolean;
  say: (line: string) => void;
}

/** Why a shipped network cannot answer these images (null when it can). */
function mismatch(dir: string, bundle: string, info: PretrainedInfo, images: ImageDataset): string | null {
  const file = join(dir, bundle, 'manifest.json');
  if (!existsSync(file)) return `it has no ${bundle} bundle`;
  const m = parseBundleManifest(JSON.parse(readFileSync(file, 'utf8')));
  const [h, w, c] = m.input.layout === 'NHWC' ? m.input.shape.slice(1) : [m.input.shape[2], m.input.shape[3], m.input.shape[1]];
  if (h !== images.height || w !== images.width || c !== images.channels) return `it takes ${h}x${w}x${c} images; the demo's are ${images.height}x${images.width}x${images.channels}`;
  if (m.model.classNames.join() !== images.classNames.join()) return `its classes (${info.dataset}) are not the demo data's`;
  return null;
}

/** Flashes each shipped network that fits the demo's images to its own local agent and sweeps it. */
export async function runPretrained(o: PretrainedRunOptions): Promise<PretrainedOutcome> {
  const out: PretrainedOutcome = { runs: [], skipped: [] };
  for (const name of pretrainedNames()) {
    const dir = pretrainedDir(name);
    const info = readPretrained(dir);
    const why = o.remote ? 'the demo flashes shipped networks only to its local agent (use ranas device flash pretrained:' + name + ')' : mismatch(dir, o.bundle, info, o.images);
    if (why) {
      out.skipped.push(`${name}: ${why}`);
      o.say(`shipped network ${name} not run: ${why}`);
      continue;
    }
    const store = join(o.runDir, `agent-store-${name}`);
    trustPublicKey(join(store, 'trusted-keys'), o.signing.publicFile);
    const agent = await startLocalAgent({ bundleDir: store, keyFile: o.keyFile, profileRuns: o.profileRuns, deviceName: 'local-agent (pty)' });
    try {
      o.say(`shipped network ${name} (${info.label}) on its own local agent`);
      const device = await runOnDevice({
        address: { kind: 'serial', path: agent.hostPath, baudRate: agent.baudRate }, bundleDir: join(dir, o.bundle), keyFile: o.keyFile,
        signingKeyFile: o.signing.privateFile, images: o.images, budgetsUs: [], budgetSteps: o.budgetSteps, policies: o.policies, maxSeconds: o.maxSeconds, say: o.say,
      });
      out.runs.push({ info, bundle: o.bundle, device });
    } finally {
      await agent.stop();
    }
  }
  return out;
}
