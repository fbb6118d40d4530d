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
 *    (device/bench-local.ts: per-exit latency, miss rate per budget, agent overhead), no link involved.
 *  - `stats`: agent and link counters.
 * Every command prints a table, or JSON with `--json`.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { PNG } from 'pngjs';
import { RanasError } from '../../errors.ts';
import { printTable, type Row } from '../../text-table.ts';
import { DEFAULT_FLASH_CHUNK_BYTES, DEFAULT_FLASH_WINDOW, DeviceClient, type FlashProgress } from '../../../firmware-bridge/client/device-client.ts';
import { readKeyFile } from '../../../firmware-bridge/client/bundle-tar.ts';
import type { InferMsg } from '../../../firmware-bridge/messages.ts';
import { INPUT_DTYPES, byteLength, inputDTypeOf, type InputDType } from '../../bundle-format/dtype.ts';
import { POLICY_NAMES, policyOf, type InferPolicy } from '../../bundle-format/policy.ts';
import { DEFAULT_BAUD, SerialTransport } from '../../../firmware-bridge/transport/serial-transport.ts';
import { connectTcp, parseHostPort } from '../../../firmware-bridge/transport/tcp-transport.ts';
import type { Connect } from '../../../firmware-bridge/transport/transport.ts';

/** How to reach the device, parsed once from --port/--baud/--host. */
type Link = { kind: 'serial'; path: string; baudRate: number } | { kind: 'tcp'; host: string; port: number };

/** Options shared by every `ranas device` sub-command. */
interface DeviceCliOptions {
  readonly link: Link;
  readonly timeoutMs: number;
  readonly json: boolean;
}

interface RawLinkOptions {
  port?: string;
  baud?: string;
  host?: string;
  timeout?: string;
  json?: boolean;
}


function parseNumber(flag: string, v: string, { min = 0, integer = false } = {}): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new RanasError('E_CLI_ARG', `${flag} is "${v}"; expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return n;
}

function parseShape(v: string): number[] {
  const dims = v.split(/[,x×]/).map((d) => parseNumber('--shape', d.trim(), { min: 1, integer: true }));
  if (dims.length === 0) throw new RanasError('E_CLI_ARG', `--shape is "${v}"; expected dims like 1,32,32,3`);
  return dims;
}

function parseDType(v: string): InputDType {
  const d = inputDTypeOf(v);
  if (!d) throw new RanasError('E_CLI_ARG', `--dtype is "${v}"; expected one of ${INPUT_DTYPES.join(', ')}`);
  return d;
}

function parseLinkOptions(raw: RawLinkOptions): DeviceCliOptions {
  if (Boolean(raw.port) === Boolean(raw.host)) {
    throw new RanasError('E_CLI_ARG', 'give exactly one of --port PATH (serial) or --host HOST:PORT (TCP)');
  }
  const link: Link = raw.port
    ? { kind: 'serial', path: raw.port, baudRate: parseNumber('--baud', raw.baud ?? String(DEFAULT_BAUD), { min: 50, integer: true }) }
    : { kind: 'tcp', ...parseHostPort(raw.host ?? '') };
  return { link, timeoutMs: parseNumber('--timeout', raw.timeout ?? '1000', { min: 1 }), json: raw.json === true };
}

function connectOf(link: Link): Connect {
  return link.kind === 'serial' ? () => SerialTransport.open(link.path, link.baudRate) : () => connectTcp(link.host, link.port);
}

async function withClient<T>(o: DeviceCliOptions, work: (c: DeviceClient) => Promise<T>): Promise<T> {
  const client = await DeviceClient.open({
    connect: connectOf(o.link),
    timeoutMs: o.timeoutMs,
    baudRate: o.link.kind === 'serial' ? o.link.baudRate : undefined,
  });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Adds the connection options to a sub-command. */
function linkOptions(cmd: Command): Command {
  return cmd
    .option('--port <path>', 'serial port (e.g. /dev/ttyACM0 for the Pi USB gadget, /dev/ttyUSB0 for a UART adapter)')
    .option('--baud <n>', `serial line rate, baud (8N1)`, String(DEFAULT_BAUD))
    .option('--host <host:port>', 'device agent listening on TCP')
    .option('--timeout <ms>', 'time to wait for an answer before re-sending, ms', '1000')
    .option('--json', 'print JSON instead of a table', false);
}

// ---- info -------------------------------------------------------------------------------------------

async function runInfo(o: DeviceCliOptions): Promise<void> {
  const info = await withClient(o, (c) => c.hello());
  if (o.json) { process.stdout.write(JSON.stringify(info, null, 2) + '\n'); return; }
  const rows: Row[] = [
    { field: 'device', value: info.deviceName },
    { field: 'agent version', value: info.agentVersion },
    { field: 'protocol version', value: `${info.protocolVersion} (device speaks ${info.minProtocolVersion}..${info.maxProtocolVersion})` },
    { field: 'runtimes', value: info.runtimes.join(', ') || '-' },
    { field: 'active bundle', value: info.activeBundle ? `${info.activeBundle.name} v${info.activeBundle.version} sha256 ${info.activeBundle.sha256.slice(0, 16)}…` : 'none' },
    { field: 'max frame, bytes', value: info.maxFrameBytes },
  ];
  info.profile?.segments.forEach((s, i) => rows.push({ field: `segment ${i} latency p50 / p99, µs`, value: `${s.p50Us.toFixed(0)} / ${s.p99Us.toFixed(0)} (${s.runs} runs on ${info.profile?.device})` }));
  const overhead = info.profile?.overhead;
  if (overhead) {
    rows.push({ field: 'request input overhead p50 / p99, µs', value: `${overhead.input.p50Us.toFixed(0)} / ${overhead.input.p99Us.toFixed(0)}` });
    rows.push({ field: 'request answer overhead p50 / p99, µs', value: `${overhead.answer.p50Us.toFixed(0)} / ${overhead.answer.p99Us.toFixed(0)}` });
  }
  printTable(rows);
}

// ---- flash ------------------------------------------------------------------------------------------

interface FlashCliOptions extends DeviceCliOptions {
  readonly bundle: string;
  readonly keyFile: string;
  readonly resume: boolean;
  readonly force: boolean;
  readonly chunkBytes: number;
  readonly window: number;
}

/** A progress bar with bytes/s on stderr, or nothing when quiet or not a terminal. */
function progressBar(): { update(p: FlashProgress): void; stop(): void } {
  if (process.env.RANAS_QUIET === '1' || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'flash [{bar}] {percentage}% | {value}/{total} bytes | {rate} | reconnects {reconnects} | eta {eta}s',
    hideCursor: true,
  });
  const t0 = performance.now();
  let startBytes = -1;
  let started = false;
  return {
    update(p) {
      if (!started) { bar.start(p.totalBytes, p.ackedBytes, { rate: '-', reconnects: 0 }); started = true; }
      if (startBytes < 0) startBytes = p.ackedBytes;
      const seconds = (performance.now() - t0) / 1000;
      const rate = seconds > 0 ? `${((p.ackedBytes - startBytes) / seconds / 1024).toFixed(1)} KiB/s` : '-';
      bar.update(p.ackedBytes, { rate, reconnects: p.reconnects });
    },
    stop: () => { if (started) bar.stop(); },
  };
}

async function runFlash(o: FlashCliOptions): Promise<void> {
  const keyBytes = readKeyFile(o.keyFile);
  const bar = progressBar();
  const t0 = performance.now();
  const report = await withClient(o, async (c) => {
    try {
      return await c.flash(o.bundle, { keyBytes, resume: o.resume, force: o.force, chunkBytes: o.chunkBytes, window: o.window, onProgress: (p) => bar.update(p) });
    } finally {
      bar.stop();
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  printTable([{
    bundle: report.activeBundle?.name ?? '-',
    sha256: report.sha256.slice(0, 16),
    bytes: report.totalBytes,
    seconds,
    'KiB/s': report.alreadyActive ? null : report.totalBytes / 1024 / seconds,
    reconnects: report.reconnects,
    'last chunk, B': report.alreadyActive ? null : report.finalChunkBytes,
    status: report.alreadyActive ? 'already active' : 'installed',
  }], { json: o.json });
}

// ---- infer / bench ----------------------------------------------------------------------------------

interface InferCliOptions extends DeviceCliOptions {
  readonly request: InferMsg;
}

/** Reads the input tensor: a PNG (→ uint8 HWC, alpha dropped), raw bytes, or zeros when no file is given. */
function readInput(file: string | undefined, shape: number[], dtype: InputDType): { input: Buffer; shape: number[]; dtype: InputDType } {
  if (file && file.toLowerCase().endsWith('.png')) {
    const png = PNG.sync.read(fs.readFileSync(file));
    const rgb = Buffer.alloc(png.width * png.height * 3);
    for (let i = 0, j = 0; i < png.data.length; i += 4) { rgb[j++] = png.data[i]; rgb[j++] = png.data[i + 1]; rgb[j++] = png.data[i + 2]; }
    return { input: rgb, shape: [1, png.height, png.width, 3], dtype: 'uint8' };
  }
  const expected = byteLength(shape, dtype);
  const input = file ? fs.readFileSync(file) : Buffer.alloc(expected);
  if (input.length !== expected) {
    throw new RanasError('E_CLI_ARG', `input file ${file} holds ${input.length} bytes; shape [${shape.join(', ')}] ${dtype} needs ${expected}`);
  }
  return { input, shape, dtype };
}

interface RawInferOptions extends RawLinkOptions {
  input?: string;
  shape?: string;
  dtype?: string;
  budgetUs?: string;
  policy?: string;
  threshold?: string;
  topK?: string;
}

function parseInferOptions(raw: RawInferOptions): InferCliOptions {
  const policy = raw.policy === undefined ? undefined : policyOf(raw.policy);
  if (!policy) throw new RanasError('E_CLI_ARG', `--policy is "${raw.policy}"; expected ${POLICY_NAMES.join(' or ')}`);
  const tensor = readInput(raw.input, parseShape(raw.shape ?? '1,32,32,3'), parseDType(raw.dtype ?? 'uint8'));
  return {
    ...parseLinkOptions(raw),
    request: {
      ...tensor,
      budgetUs: parseNumber('--budget-us', raw.budgetUs ?? '100000', { min: 0 }),
      policy,
      threshold: raw.threshold === undefined ? undefined : parseNumber('--threshold', raw.threshold, { min: 0 }),
      topK: parseNumber('--top-k', raw.topK ?? '3', { min: 1, integer: true }),
    },
  };
}

async function runInfer(o: InferCliOptions): Promise<void> {
  const t0 = performance.now();
  const r = await withClient(o, (c) => c.infer(o.request));
  const roundTripUs = (performance.now() - t0) * 1000;
  if (o.json) { process.stdout.write(JSON.stringify({ ...r, roundTripUs }, null, 2) + '\n'); return; }
  printTable([{
    exit: r.exitIndex, label: r.label, confidence: r.confidence,
    'segments µs': r.segmentLatencyUs.map((u) => u.toFixed(0)).join(' + '),
    'total µs': r.totalUs, 'budget µs': r.budgetUs, met: r.met, 'over budget': r.overBudget,
  }]);
  if (r.topK.length > 1) printTable(r.topK.map((t, i) => ({ rank: i + 1, class: t.classIndex, label: t.label, confidence: t.confidence })));
}

interface BenchCliOptions extends DeviceCliOptions {
  readonly requests: number;
  readonly shape: number[];
  readonly dtype: InputDType;
  readonly budgetUs: number;
}

interface LocalBenchCliOptions {
  readonly bundle: string;
  readonly requests: number;
  readonly budgetsUs?: number[];
  readonly policy: InferPolicy;
  readonly json: boolean;
}

/** `--local`: the agent's own bench on this machine (loaded lazily: it pulls in the runtimes). */
async function runLocalBench(o: LocalBenchCliOptions): Promise<void> {
  const { benchLocal } = await import('../../../device/bench-local.ts');
  const { benchLocalTables } = await import('../../../device/bench-local-table.ts');
  const quiet = o.json || process.env.RANAS_QUIET === '1';
  const report = await benchLocal(o.bundle, { requests: o.requests, budgetsUs: o.budgetsUs, policy: o.policy, log: quiet ? undefined : (l) => process.stderr.write(l + '\n') });
  const t = benchLocalTables(report);
  if (o.json) { process.stdout.write(JSON.stringify(t, null, 2) + '\n'); return; }
  printTable(t.exits, { title: 'per-exit latency' });
  printTable(t.budgets, { title: '\nper budget' });
  printTable(t.overhead, { title: '\nagent overhead' });
}

async function runBench(o: BenchCliOptions): Promise<void> {
  const r = await withClient(o, (c) => c.bench({ requests: o.requests, shape: o.shape, dtype: o.dtype, budgetUs: o.budgetUs }));
  printTable([{
    requests: r.requests,
    'round trip p50 µs': r.roundTripP50Us, 'round trip p99 µs': r.roundTripP99Us,
    'agent p50 µs': r.agentP50Us, 'bridge overhead p50 µs': r.overheadP50Us, 'bridge overhead p99 µs': r.overheadP99Us,
  }], { json: o.json });
}

// ---- stats ------------------------------------------------------------------------------------------

async function runStats(o: DeviceCliOptions): Promise<void> {
  const s = await withClient(o, (c) => c.stats());
  const rows: Row[] = [
    ...Object.entries(s.agent).map(([counter, value]) => ({ scope: 'agent', counter, value })),
    ...Object.entries(s.link).map(([counter, value]) => ({ scope: 'link', counter, value })),
  ];
  printTable(rows, { json: o.json });
}

// ---- registration -----------------------------------------------------------------------------------

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
