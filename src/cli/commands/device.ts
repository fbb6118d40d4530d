/**
 * `ranas device info|flash|infer|bench|stats (--port PATH [--baud N] | --host HOST:PORT)` — talks to a
 * device agent over the firmware bridge (serial: UART /dev/ttyUSB0, USB gadget /dev/ttyACM0; or TCP).
 *  - `info`: the device, its agent, protocol version, active bundle and profile.
 *  - `flash <bundle dir|tar> --key-file F [--no-resume] [--force] [--chunk N] [--window N]`: chunked,
 *    acknowledged, resumable (re-running after an interruption continues where it stopped); progress bar with
 *    bytes/s on stderr (silent when RANAS_QUIET=1 or stderr is not a terminal).
 *  - `infer [--input FILE.bin|FILE.png] --shape 1,32,32,3 --dtype uint8 --budget-us N --policy deadline|confidence|planned`
 *  - `bench [--requests N] [--shape ...] [--dtype ...] [--budget-us N]`: round trip vs the agent's own time;
 *    `bench --local <bundle> [--requests N] [--budgets a,b,c] [--policy P]`: the device agent's local bench
 *    (bench/bench-local.ts: per-exit latency, miss rate per budget, agent overhead), no link involved.
 *  - `stats`: agent and link counters.
 *  - `profile-ops --local [--preset P] [--runtime R] [--table FILE]`: the latency table of a supernet config
 *    on this machine (every op instance as a small int8 model; resumable); see src/latency/.
 * Every command prints a table, or JSON with `--json`. One file per sub-command in `device/` (and the
 * link, flag and input parsing they share); this file declares the commands.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { chooseBundle } from '../bundle-choice.ts';
import { resolveModelRef } from '../../pretrained-models.ts';

import { DEFAULT_FLASH_CHUNK_BYTES, DEFAULT_FLASH_WINDOW } from '../../../firmware-bridge/client/flash-defaults.ts';
import { INPUT_DTYPES } from '../../bundle-format/dtype.ts';
import { POLICY_NAMES, type InferPolicy } from '../../bundle-format/policy.ts';
import { RanasError } from '../../errors.ts';
import { parseDType, parseNumber, parseShape } from './device/flags.ts';
import type { RawInferOptions } from './device/infer.ts';
import { linkOptions, parseLinkOptions, type RawLinkOptions } from './device/link.ts';
import { registerDeviceTrust } from './device-trust.ts';
import { defaultSigningKeyFile } from './keys.ts';

/** The bundle folder or tar `device flash` sends: a bundle, an export folder narrowed by --format/--precision, or pretrained:<name>. */
function flashSource(ref: string, o: { format?: string; precision?: string }): string {
  const path = resolveModelRef(ref);
  return fs.existsSync(path) && fs.statSync(path).isDirectory() ? chooseBundle(path, o) : path;
}

// Each sub-command's implementation (the device client, serial binding, image decoders) loads when it runs,
// not when the commands register.

/** Registers `ranas device` and its sub-commands. */
export function registerDevice(program: Command): void {
  const device = program.command('device').description('talk to a device agent over serial or TCP: info, flash, infer, bench, stats; profile-ops (latency table)');

  linkOptions(device.command('info').description('device, agent, protocol version, active bundle and profile'))
    .action(async (raw: RawLinkOptions) => (await import('./device/info.ts')).runInfo(parseLinkOptions(raw)));

  linkOptions(device.command('flash <bundle>').description('flash a bundle folder, an export folder\'s bundle (--format/--precision), pretrained:<name> (a network shipped in models/pretrained) or a bundle tar: signed (Ed25519), authenticated per link (HMAC over the device nonce), chunked, resumable'))
    .option('--format <format>', 'export folder: bundle format, tflite | onnx')
    .option('--precision <precision>', 'export folder: bundle precision, fp32 | int8')
    .requiredOption('--key-file <file>', 'link key (the agent\'s --key-file)')
    .option('--signing-key <file>', 'host Ed25519 private key from `ranas keys generate` (default $RANAS_SIGNING_KEY or ~/.config/ranas/signing.key)')
    .option('--bundle-version <n>', "release number (default: the manifest's bundleVersion, else its createdAt in Unix seconds)")
    .option('--allow-downgrade', 'sign a downgrade intent: install even when the version is not newer than the installed one', false)
    .option('--no-resume', 'start over instead of continuing a previous interrupted flash')
    .option('--force', 'flash even when the device already runs this bundle', false)
    .option('--chunk <bytes>', 'bundle bytes per chunk, at most (smaller while the link loses chunks)', String(DEFAULT_FLASH_CHUNK_BYTES))
    .option('--window <n>', 'chunks in flight', String(DEFAULT_FLASH_WINDOW))
    .action(async (bundle: string, raw: RawLinkOptions & { keyFile: string; signingKey?: string; bundleVersion?: string; allowDowngrade: boolean; resume: boolean; force: boolean; chunk: string; window: string; format?: string; precision?: string }) => (await import('./device/flash.ts')).runFlash({
      ...parseLinkOptions(raw),
      bundle: flashSource(bundle, raw),
      keyFile: raw.keyFile,
      signingKeyFile: raw.signingKey ?? defaultSigningKeyFile(),
      bundleVersion: raw.bundleVersion === undefined ? undefined : parseNumber('--bundle-version', raw.bundleVersion, { min: 1, integer: true }),
      allowDowngrade: raw.allowDowngrade,
      resume: raw.resume,
      force: raw.force,
      chunkBytes: parseNumber('--chunk', raw.chunk, { min: 1, integer: true }),
      window: parseNumber('--window', raw.window, { min: 1, integer: true }),
    }));

  linkOptions(device.command('infer').description('one budgeted anytime inference on the device'))
    .option('--input <file>', 'input: a PNG or JPEG of any size (resized to --shape, sent as uint8 HWC) or raw tensor bytes; zeros when omitted')
    .option('--shape <dims>', 'input shape: raw input\'s, or the size images are resized to', '1,32,32,3')
    .option('--dtype <dtype>', `input dtype (${INPUT_DTYPES.join(', ')}; uint8 = a raw HWC image the agent normalises)`, 'uint8')
    .option('--budget-us <us>', 'latency budget, µs', '100000')
    .addOption(new Option('--policy <policy>', 'anytime policy').choices([...POLICY_NAMES]).default('deadline'))
    .option('--threshold <p>', 'confidence threshold (overrides the manifest\'s)')
    .option('--top-k <k>', 'classes to report', '3')
    .action(async (raw: RawInferOptions) => {
      const { parseInferOptions, runInfer } = await import('./device/infer.ts');
      await runInfer(parseInferOptions(raw));
    });

  linkOptions(device.command('bench [bundle]').description('remote: repeated inferences, round trip vs the agent\'s own time (bridge overhead); --local <bundle>: the agent\'s local bench'))
    .option('--local', 'bench a bundle folder with a local agent (no link)', false)
    .option('--requests <n>', 'requests (per budget with --local)', '200')
    .option('--shape <dims>', 'input shape', '1,32,32,3')
    .option('--dtype <dtype>', `input dtype (${INPUT_DTYPES.join(', ')}; uint8 = a raw HWC image the agent normalises)`, 'uint8')
    .option('--budget-us <us>', 'latency budget, µs', '100000')
    .option('--budgets <list>', '--local: budgets to sweep, µs, comma-separated (default: spread over the exits)')
    .addOption(new Option('--policy <policy>', '--local: anytime policy').choices([...POLICY_NAMES]).default('deadline'))
    .action(async (bundle: string | undefined, raw: RawLinkOptions & { local: boolean; requests: string; shape: string; dtype: string; budgetUs: string; budgets?: string; policy: InferPolicy }) => {
      const requests = parseNumber('--requests', raw.requests, { min: 1, integer: true });
      if (raw.local) {
        if (!bundle) throw new RanasError('E_CLI_ARG', 'bench --local needs a bundle folder');
        const budgetsUs = raw.budgets?.split(',').map((b) => parseNumber('--budgets', b.trim(), { min: 1 }));
        return (await import('./device/bench.ts')).runLocalBench({ bundle, requests, budgetsUs, policy: raw.policy, json: raw.json === true });
      }
      if (bundle) throw new RanasError('E_CLI_ARG', `bench got bundle '${bundle}' without --local; remote bench uses the device's active bundle`);
      return (await import('./device/bench.ts')).runBench({
        ...parseLinkOptions(raw),
        requests,
        shape: parseShape(raw.shape),
        dtype: parseDType(raw.dtype),
        budgetUs: parseNumber('--budget-us', raw.budgetUs, { min: 0 }),
      });
    });

  linkOptions(device.command('profile-ops').description('latency table: measure every op instance of a supernet config (int8) on the device over the bridge (a signed op pack its agent measures, never activated) or on this machine (--local); resumable'))
    .option('--local', 'measure on this machine (the op models are built and run here)', false)
    .option('--key-file <file>', 'over the bridge: link key (the agent\'s --key-file)')
    .option('--signing-key <file>', 'over the bridge: host Ed25519 private key the device trusts (default $RANAS_SIGNING_KEY or ~/.config/ranas/signing.key)')
    .option('--preset <name>', 'MS-RANAS preset whose supernet config the table covers', 'tiny')
    .option('--nodes <n>', 'intermediate nodes per cell (as ranas search --nodes)', '2')
    .addOption(new Option('--runtime <runtime>', 'runtime the op models run on, int8').choices(['onnx', 'tflite']).default('onnx'))
    .option('--runtime-threads <n>', 'CPU threads of the runtime (as ranas-agent --threads)', '1')
    .option('--table <file>', 'latency table file, resumed when it exists (default latency-<preset>-<runtime>-int8-t<threads>.json)')
    .option('--runs <n>', 'timed runs per op model and round (3 rounds)', '1000')
    .option('--warmups <n>', 'warm-up runs per op model', '10')
    .option('--calibration-networks <n>', "random networks exported and profiled whole, to fit the predictor's correction (2 up to the default, all 48: fewer is quicker, the correction less sure)")
    .option('--calibration-minutes <m>', "--local: least time the calibration rounds span, so the correction (the level of every prediction) is the device's speed over that time: for a device whose speed wanders over minutes (default 0: 7 rounds; over the bridge the device profiles each calibration network once)")
    .option('--recalibrate', "measure the table's calibration networks again and refit its correction, keeping its op entries (after the device's speed changed)", false)
    .option('--slice-ms <ms>', 'over the bridge: measuring time per request; the agent answers inference requests between slices', '3000')
    .action(async (raw: RawLinkOptions & { sliceMs: string; calibrationNetworks?: string; calibrationMinutes?: string; recalibrate: boolean; local: boolean; keyFile?: string; signingKey?: string; preset: string; nodes: string; runtime: 'onnx' | 'tflite'; runtimeThreads: string; table?: string; runs: string; warmups: string }) => {
      const { runProfileOps, defaultTableFile } = await import('./device/profile-ops.ts');
      const threads = parseNumber('--runtime-threads', raw.runtimeThreads, { min: 1, integer: true });
      if (raw.local && (raw.port || raw.host)) throw new RanasError('E_CLI_ARG', '--local measures on this machine; drop --port/--host, or drop --local to measure on that device');
      if (!raw.local && !raw.keyFile) throw new RanasError('E_CLI_OPTION', 'profile-ops over the bridge needs --key-file (the agent\'s link key) and a signing key the device trusts; or --local to measure on this machine');
      await runProfileOps({
        local: raw.local,
        bridge: raw.local ? undefined : { ...parseLinkOptions(raw), keyFile: raw.keyFile ?? '', signingKeyFile: raw.signingKey ?? defaultSigningKeyFile(), sliceMs: parseNumber('--slice-ms', raw.sliceMs, { min: 1, integer: true }) },
        preset: raw.preset,
        nodes: parseNumber('--nodes', raw.nodes, { min: 1, integer: true }),
        runtime: raw.runtime,
        threads,
        table: raw.table ?? defaultTableFile(raw.preset, raw.runtime, threads),
        runs: parseNumber('--runs', raw.runs, { min: 1, integer: true }),
        warmups: parseNumber('--warmups', raw.warmups, { min: 0, integer: true }),
        calibrationNetworks: raw.calibrationNetworks === undefined ? undefined : parseNumber('--calibration-networks', raw.calibrationNetworks, { min: 2, integer: true }),
        calibrationMinutes: raw.calibrationMinutes === undefined ? undefined : parseNumber('--calibration-minutes', raw.calibrationMinutes, { min: 0 }),
        recalibrate: raw.recalibrate,
        json: raw.json === true,
      });
    });

  registerDeviceTrust(device);

  linkOptions(device.command('stats').description('agent and link counters'))
    .action(async (raw: RawLinkOptions) => (await import('./device/stats.ts')).runStats(parseLinkOptions(raw)));
}
