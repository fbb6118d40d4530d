/**
 * `ranas demo` end to end: data → search → train → eval → export → device (local agent on a pty pair, or a
 * real one over --port/--host) → report. Stages with checkpoints skip when their output exists for the same
 * options (`--fresh` redoes them); every stage is timed. Writes `runs/<name>/report.json` and `report.html`.
 */
import { generateSigningKeyPair, trustPublicKey } from '../../firmware-bridge/auth/signing-keys.ts';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCifar10OrMini } from '../data/dataset-choice.ts';
import { chooseData, dataName } from '../run/data-choice.ts';
import { restartOnMismatch } from '../run/restart-on-mismatch.ts';
import { loadCifar10Mini } from '../data/cifar10-mini.ts';
import { subset } from '../data/splits.ts';
import { initEngine } from '../engine/backend.ts';
import { anytimeCurve, areaUnder } from '../eval/anytime-curve.ts';
import { genotypeHash, loadGenotype } from '../model/genotype.ts';
import { openRunFolder, writeFileAtomic, writeJsonAtomic } from '../run-folder.ts';
import { alphaEvolution } from './alpha-evolution.ts';
import type { DemoOptions } from './demo-options.ts';
import { demoPlots } from './demo-plots.ts';
import type { DemoReport, ExitRow } from './demo-report.ts';
import { runOnDevice, type DeviceAddress, type DeviceRun } from './device-run.ts';
import { runPretrained } from './pretrained-run.ts';
import { startLocalAgent, type LocalAgent } from './local-agent.ts';
import { bundleExitAccuracy, dataChoiceOf, evalStage, type DemoData, exitCosts, exportStage, searchStage, trainStage } from './pipeline-stages.ts';
import { reportHtml } from './report-html.ts';
import { StageRunner } from './stage.ts';
import { parseExportResult, parseSearchResult, parseTrainResult, STAGE_FILES_EXIST } from './stage-results.ts';

/**
 * The bundle the device runs: int8 ONNX in onnxruntime, chosen by measurement (bench/int8-runtimes.ts, x86,
 * batch 1): with every QDQ conv fused its full path ran 4.6x (small) and 10x (tiny) faster than the int8
 * TFLite bundle in tfjs-tflite-node (TFLite 2.9, whose XNNPACK takes no int8), and small's int8 path in
 * 0.75x its fp32 path. The TFLite bundles stay exported and flashable.
 */
const DEVICE_BUNDLE = 'onnx-int8';
/** Seed of the test images sent to the device. */
const DEVICE_IMAGES_SEED = 3;
/** Folders the demo creates inside its run folder (removed by --fresh). */
const STAGE_DIRS = ['search', 'derived-model', 'train', 'export', 'agent-store', 'stages'] as const;

/** What `runDemo` returns. */
export interface DemoResult {
  report: DemoReport;
  reportJson: string;
  reportHtml: string;
}

/** Loads the data: the mini set for --toy, else CIFAR-10 from the cache, fetched unless --offline, else the mini set. */
async function chooseDemoData(o: DemoOptions, say: (l: string) => void): Promise<DemoData> {
  if (o.data) {
    // The user's own data (--data): loaded as search and training load it (image folders resized to 32x32).
    const d = await chooseData(o.data, { valImages: 0, seed: o.seed, inputShape: [32, 32, 3], log: say });
    return { train: d.train, test: d.test, which: dataName(o.data), reason: d.note, choice: o.data };
  }
  if (o.toy) return { ...loadCifar10Mini(), which: 'cifar10-mini', reason: '--toy runs on the shipped mini set (1,000 train / 500 test images)', choice: 'mini' };
  const d = await loadCifar10OrMini({ fetch: !o.offline, log: say });
  if (d.which === 'cifar10-mini') say(`using the shipped mini CIFAR-10 subset: ${d.reason}`);
  return { ...d, choice: dataChoiceOf(d) };
}

/** The device key: the given file, or one generated in the run folder (32 random bytes, hex). */
function deviceKey(o: DemoOptions, runDir: string): string {
  if (o.keyFile) return resolve(o.keyFile);
  const file = join(runDir, 'device.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  return file;
}

/**
 * The host's bundle signing key: `<runDir>/signing.key` (+ .pub), generated once. The local agent trusts its
 * public key; a real device must be told to (`ranas device trust <runDir>/signing.pub` on the device).
 */
function signingKey(runDir: string): { privateFile: string; publicFile: string } {
  const base = join(runDir, 'signing');
  if (!existsSync(`${base}.key`)) return generateSigningKeyPair(base);
  return { privateFile: `${base}.key`, publicFile: `${base}.pub` };
}

const fileSha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);

/** Runs the whole demo. `say` gets progress lines. */
export async function runDemo(o: DemoOptions, say: (line: string) => void): Promise<DemoResult> {
  const tStart = performance.now();
  const runDir = resolve(o.runsDir, o.name);
  if (o.fresh) for (const d of STAGE_DIRS) rmSync(join(runDir, d), { recursive: true, force: true });
  openRunFolder(o.runsDir, o.name, 'demo', { ...o });
  const stages = new StageRunner(runDir, o.fresh, say);

  const data = await stages.always('data', () => chooseDemoData(o, say));
  say(`data: ${data.which} (${data.train.count} train / ${data.test.count} test): ${data.reason}`);
  const choice = data.choice;
  const engine = await initEngine();
  const threads = o.threads > 0 ? o.threads : engine.threads > 1 ? 1 : 2;
  say(`engine: ${engine.backend} (${engine.threads} thread(s) each); ${threads} data-parallel replica(s) for search and training`);
  const sizes = { threads, searchSubset: Math.min(o.searchSubset, data.train.count), trainSubset: Math.min(o.trainSubset, data.train.count) };
  const oSized = { ...o, ...sizes };

  const searchKey = { data: data.which, subset: sizes.searchSubset, epochs: o.searchEpochs, batch: o.searchBatchSize, seed: o.seed };
  const search = await stages.run('search', searchKey,
    () => restartOnMismatch(join(runDir, 'search'), () => searchStage(oSized, runDir, choice, say), say, 'stage'),
    { parse: parseSearchResult, valid: STAGE_FILES_EXIST.search });
  const gHash = genotypeHash(loadGenotype(search.genotypePath));

  const trainKey = { data: data.which, subset: sizes.trainSubset, epochs: o.trainEpochs, batch: o.trainBatchSize, seed: o.seed, genotype: gHash };
  const train = await stages.run('train', trainKey,
    () => restartOnMismatch(join(runDir, 'train'), () => trainStage(oSized, runDir, choice, search.genotypePath, say, data.train.classNames.length), say, 'stage'),
    { parse: parseTrainResult, valid: STAGE_FILES_EXIST.train });
  const weightsSha = fileSha(join(train.modelDir, 'weights.bin'));

  const evaluation = await stages.always('eval', () => evalStage(o, train.modelDir, data));
  const exported = await stages.run('export', { weights: weightsSha, data: data.which, calib: o.calibImages, evalImages: o.evalImages },
    () => exportStage(o, runDir, train.modelDir, data, say),
    { parse: parseExportResult, valid: STAGE_FILES_EXIST.export });
  const bundleDir = exported.bundles[DEVICE_BUNDLE];

  const keyFile = deviceKey(o, runDir);
  const signing = signingKey(runDir);
  const deviceImages = subset(data.test, Math.min(o.deviceImages, data.test.count), DEVICE_IMAGES_SEED);
  const device: DeviceRun = await stages.always('device', async () => {
    let local: LocalAgent | undefined;
    let address: DeviceAddress;
    if (o.link.kind === 'local') {
      trustPublicKey(join(runDir, 'agent-store', 'trusted-keys'), signing.publicFile);
      local = await startLocalAgent({ bundleDir: join(runDir, 'agent-store'), keyFile, profileRuns: o.profileRuns, deviceName: 'local-agent (pty)', onLog: (l) => { if (process.env.RANAS_DEMO_AGENT_LOG === '1') say(`agent: ${l}`); } });
      say(`local ranas-agent (pid ${local.pid}) serving ${local.devicePath}; host end ${local.hostPath}`);
      address = { kind: 'serial', path: local.hostPath, baudRate: local.baudRate };
    } else {
      address = o.link;
    }
    try {
      return await runOnDevice({ address, bundleDir, keyFile, signingKeyFile: signing.privateFile, images: deviceImages, budgetsUs: o.budgetsUs, budgetSteps: o.budgetSteps, policies: o.policies, maxSeconds: o.deviceSeconds, say });
    } finally {
      await local?.stop();
    }
  });

  const pretrained = await stages.always('pretrained', () => runPretrained({
    runDir, keyFile, signing, images: deviceImages, bundle: DEVICE_BUNDLE, profileRuns: o.profileRuns, budgetSteps: o.budgetSteps,
    policies: o.policies, maxSeconds: o.deviceSeconds, remote: o.link.kind !== 'local', say,
  }));

  const report = await stages.always('report', async () => {
    const costs = exitCosts(train.modelDir);
    const int8 = bundleExitAccuracy(exported.reportPath, DEVICE_BUNDLE);
    let cum = 0;
    const exits: ExitRow[] = evaluation.exits.map((e, k) => {
      const seg = device.profile.segments[k];
      cum += seg?.p99Us ?? NaN;
      return {
        exit: k, layer: e.layer, mmacs: e.mmacs, params: costs.params[k], fp32Top1: e.top1, int8Top1: int8[k] ?? null,
        segmentP50Us: seg?.p50Us ?? NaN, segmentP99Us: seg?.p99Us ?? NaN, cumulativeP99Us: cum,
      };
    });
    const r: DemoReport = {
      name: o.name, createdAt: new Date().toISOString(), toy: o.toy,
      data: { which: data.which, reason: data.reason },
      options: { ...o, link: o.link.kind === 'local' ? 'local' : o.link },
      stages: stages.times, totalSeconds: 0,
      search: { ...search, genotypeHash: gHash },
      train,
      evalImages: evaluation.testImages,
      exits,
      anytime: { fp32: evaluation.anytime, int8: anytimeCurve(exits.map((e) => e.mmacs * 1e6), exits.map((e) => e.int8Top1 ?? NaN)) },
      anytimeArea: areaUnder(evaluation.anytime),
      alphaEvolution: alphaEvolution(join(search.runDir, 'alphas.jsonl'), o.seed),
      device,
      bundle: DEVICE_BUNDLE,
      pretrained,
    };
    return r;
  });
  report.totalSeconds = (performance.now() - tStart) / 1000;
  const reportJson = join(runDir, 'report.json');
  const reportHtmlPath = join(runDir, 'report.html');
  writeJsonAtomic(reportJson, report);
  writeFileAtomic(reportHtmlPath, reportHtml(report, await demoPlots(report)));
  return { report, reportJson, reportHtml: reportHtmlPath };
}
