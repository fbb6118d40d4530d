/**
 * `ranas device info|flash|infer|bench|stats (--port PATH [--baud N] | --host HOST:PORT)` — talks to a
 * device agent over the firmware bridge (serial: UART /dev/ttyUSB0, USB gadget /dev/ttyACM0; or TCP).
 *  - `info`: the device, its agent, protocol version, active bundle and profile.
 *  - `flash <bundle dir|tar> --key-file F [--no-resume] [--force] [--chunk N] [--window N]`: chunked,
 *    acknowledged, resumable (re-running after an interruption continues where it stopped); progress bar with
 *    bytes/s on stderr (silent when RANAS_QUIET=1 or stderr is not a terminal).
 *  - `infer [--input FILE.bin|FILE.png] --shape 1,32,32,3 --dtype uint8 --budget-us N --policy deadline|confidence`
 *  - `bench [--requests N] [--shape ...] [--dtype ...] [--budget-us N]`: round trip vs the agent's own time;
 *    `bench --local <bundle> [--requests N] [--budgets a,b,c] [--policy P]`: the device agent's local bench
 *    (bench/bench-local.ts: per-exit latency, miss rate per budget, agent overhead), no link involved.
 *  - `stats`: agent and link counters.
 * Every command prints a table, or JSON with `--json`. One file per sub-command in `device/` (and the
 * link, flag and input parsing they share); this file declares the commands.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_FLASH_CHUNK_BYTES, DEFAULT_FLASH_WINDOW } from '../../../firmware-bridge/client/device-client.ts';
import { INPUT_DTYPES } from '../../bundle-format/dtype.ts';
import { POLICY_NAMES, type InferPolicy } from '../../bundle-format/policy.ts';
import { RanasError } from '../../errors.ts';
import { runBench, runLocalBench } from './device/bench.ts';
import { parseDType, parseNumber, parseShape } from './device/flags.ts';
import { runFlash } from './device/flash.ts';
import { runInfo } from './device/info.ts';
import { parseInferOptions, runInfer, type RawInferOptions } from './device/infer.ts';
import { linkOptions, parseLinkOptions, type RawLinkOptions } from './device/link.ts';
import { runStats } from './device/stats.ts';

/** Registers `ranas device` and its sub-commands. */
export function registerDevice(program: Command): void {
  const device = program.command('device').description('talk to a device agent over serial or TCP: info, flash, infer, bench, stats');

  linkOptions(device.command('info').description('device, agent, protocol version, active bundle and profile'))
    .action(async (raw: RawLinkOptions) => runInfo(parseLinkOptions(raw)));

  linkOptions(device.command('flash <bundle>').description('flash a bundle folder or tar: chunked, acknowledged, resumable, HMAC-authenticated'))
    .requiredOption('--key-file <file>', 'device key (the agent\'s --key-file)')
    .option('--no-resume', 'start over instead of continuing a previous interrupted flash')
    .option('--force', 'flash even when the device already runs this bundle', false)
    .option('--chunk <bytes>', 'bundle bytes per chunk, at most (smaller while the link loses chunks)', String(DEFAULT_FLASH_CHUNK_BYTES))
    .option('--window <n>', 'chunks in flight', String(DEFAULT_FLASH_WINDOW))
    .action(async (bundle: string, raw: RawLinkOptions & { keyFile: string; resume: boolean; force: boolean; chunk: string; window: string }) => runFlash({
      ...parseLinkOptions(raw),
      bundle,
      keyFile: raw.keyFile,
      resume: raw.resume,
      force: raw.force,
      chunkBytes: parseNumber('--chunk', raw.chunk, { min: 1, integer: true }),
      window: parseNumber('--window', raw.window, { min: 1, integer: true }),
    }));

  linkOptions(device.command('infer').description('one budgeted anytime inference on the device'))
    .option('--input <file>', 'input: a .png (sent as uint8 HWC) or raw tensor bytes; zeros when omitted')
    .option('--shape <dims>', 'input shape for raw input', '1,32,32,3')
    .option('--dtype <dtype>', `input dtype for raw input (${INPUT_DTYPES.join(', ')})`, 'uint8')
    .option('--budget-us <us>', 'latency budget, µs', '100000')
    .addOption(new Option('--policy <policy>', 'anytime policy').choices([...POLICY_NAMES]).default('deadline'))
    .option('--threshold <p>', 'confidence threshold (overrides the manifest\'s)')
    .option('--top-k <k>', 'classes to report', '3')
    .action(async (raw: RawInferOptions) => runInfer(parseInferOptions(raw)));

  linkOptions(device.command('bench [bundle]').description('remote: repeated inferences, round trip vs the agent\'s own time (bridge overhead); --local <bundle>: the agent\'s local bench'))
    .option('--local', 'bench a bundle folder with a local agent (no link)', false)
    .option('--requests <n>', 'requests (per budget with --local)', '200')
    .option('--shape <dims>', 'input shape', '1,32,32,3')
    .option('--dtype <dtype>', 'input dtype', 'int8')
    .option('--budget-us <us>', 'latency budget, µs', '1000000')
    .option('--budgets <list>', '--local: budgets to sweep, µs, comma-separated (default: spread over the exits)')
    .addOption(new Option('--policy <policy>', '--local: anytime policy').choices([...POLICY_NAMES]).default('deadline'))
    .action(async (bundle: string | undefined, raw: RawLinkOptions & { local: boolean; requests: string; shape: string; dtype: string; budgetUs: string; budgets?: string; policy: InferPolicy }) => {
      const requests = parseNumber('--requests', raw.requests, { min: 1, integer: true });
      if (raw.local) {
        if (!bundle) throw new RanasError('E_CLI_ARG', 'bench --local needs a bundle folder');
        const budgetsUs = raw.budgets?.split(',').map((b) => parseNumber('--budgets', b.trim(), { min: 1 }));
        return runLocalBench({ bundle, requests, budgetsUs, policy: raw.policy, json: raw.json === true });
      }
      if (bundle) throw new RanasError('E_CLI_ARG', `bench got bundle '${bundle}' without --local; remote bench uses the device's active bundle`);
      return runBench({
        ...parseLinkOptions(raw),
        requests,
        shape: parseShape(raw.shape),
        dtype: parseDType(raw.dtype),
        budgetUs: parseNumber('--budget-us', raw.budgetUs, { min: 0 }),
      });
    });

  linkOptions(device.command('stats').description('agent and link counters'))
    .action(async (raw: RawLinkOptions) => runStats(parseLinkOptions(raw)));
}
