/**
 * `ranas predict` with a bundle: the device's own agent, run in this process on a temporary store, so the
 * host answers with the same runtime, pre-processing, anytime policies and latency budgets as the device
 * (the bundle is profiled here first, as a device profiles it on install).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InferPolicy } from '../bundle-format/policy.ts';
import type { RgbImage } from '../data/image-file.ts';
import { resizeImage } from '../data/image-file.ts';
import { createAgent } from '../../device/agent.ts';
import { inputGeometry } from '../../device/scheduler/preprocess.ts';
import type { AnytimeAnswer } from '../../device/scheduler/run-anytime.ts';

/** How each image is answered. */
export interface HostPredictOptions {
  budgetUs: number;
  policy: InferPolicy;
  /** Overrides the manifest's confidence thresholds (confidence policy). */
  threshold?: number;
  topK: number;
  /** Profiler runs per segment before answering (the device's default is 200 after 20 warm-ups). */
  profileRuns: number;
  threads?: number;
}

/** Answers for `images` (any size: resized to the bundle's input) from the bundle folder `bundleDir`. */
export async function predictWithBundle(bundleDir: string, images: readonly RgbImage[], o: HostPredictOptions): Promise<AnytimeAnswer[]> {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-predict-'));
  try {
    const agent = await createAgent({ bundleDir: storeDir, threads: o.threads, profile: { warmups: Math.min(20, o.profileRuns), runs: o.profileRuns }, deviceName: `${os.hostname()} (ranas predict)` });
    try {
      const bundle = await agent.install(bundleDir);
      const { height, width } = inputGeometry(bundle.manifest.input);
      const answers: AnytimeAnswer[] = [];
      for (const img of images) {
        const sized = resizeImage(img, height, width);
        answers.push(await agent.run({ input: sized.rgb, shape: [1, height, width, 3], budgetUs: o.budgetUs, policy: o.policy, threshold: o.threshold, topK: o.topK }));
      }
      return answers;
    } finally {
      await agent.close();
    }
  } finally {
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
}
