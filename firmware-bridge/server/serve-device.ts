/**
 * serveDevice: the device end of the bridge. Runs the request server on one transport and answers the
 * protocol with the agent's `AgentService`: Hello (version negotiation + info), the flash session
 * (staging, resume, sha256 + HMAC, then the agent's atomic install), Infer and Stats. Bad frames and bad
 * messages are counted or answered with an Error; nothing a peer sends can crash it.
 */
import os from 'node:os';
import { byteLength } from '../../src/bundle-format/dtype.ts';
import { RanasError, errorMessage } from '../../src/errors.ts';
import type { AgentService } from '../agent-service.ts';
import type { InfoMsg, InferMsg } from '../messages.ts';
import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN } from '../protocol.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../framing/frame-decoder.ts';
import { FrameLink } from '../rpc/frame-link.ts';
import { RequestServer, type RequestHandlers } from '../rpc/request-server.ts';
import type { Transport } from '../transport/transport.ts';
import { DEFAULT_MAX_BUNDLE_BYTES, FlashSession } from './flash-session.ts';
import { negotiateVersion } from './negotiate-version.ts';

/** A line of the device's log (flash refused, installed, link closed, ...). */
export interface BridgeLogEvent {
  level: 'info' | 'warn';
  event: string;
  message: string;
  details?: Record<string, string | number>;
}

export interface ServeDeviceOptions {
  /** Device key for flash authentication (HMAC-SHA256); null disables flashing. */
  keyBytes: Buffer | null;
  /** Where flashes are staged before install. */
  stagingDir: string;
  /** Largest bundle accepted, in bytes. Default 256 MiB. */
  maxBundleBytes?: number;
  /** Largest frame body accepted, in bytes. Default 256 KiB. */
  maxFrameBytes?: number;
  /** Log sink. Default: one JSON line per event on stderr. */
  log?: (e: BridgeLogEvent) => void;
  /** Protocol versions the device speaks (tests override to exercise negotiation). */
  protocolRange?: { min: number; max: number };
}

export interface DeviceServer {
  /** Link counters: frames in/out, dropped frames by reason, replays, queue drops, flashes. */
  linkStats(): Record<string, number>;
  /** Resolves when the transport closes. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** Checks that an Infer's input length matches its shape and dtype (before the agent sees it; the dtype was checked when decoded). */
function checkInferInput(req: InferMsg): void {
  const expected = byteLength(req.shape, req.dtype);
  if (req.shape.length === 0 || expected !== req.input.length) {
    throw new RanasError('E_BAD_INPUT', `infer: input of ${req.input.length} bytes does not match shape [${req.shape.join(', ')}] ${req.dtype} (${expected} bytes)`);
  }
}

function stderrLog(e: BridgeLogEvent): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
}

export function serveDevice(transport: Transport, service: AgentService, opts: ServeDeviceOptions): DeviceServer {
  const log = opts.log ?? stderrLog;
  const range = opts.protocolRange ?? { min: PROTOCOL_VERSION_MIN, max: PROTOCOL_VERSION_MAX };
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const link = new FrameLink(transport, maxFrameBytes);
  const flash = new FlashSession({
    stagingDir: opts.stagingDir, keyBytes: opts.keyBytes, maxBundleBytes: opts.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES,
    // A staged chunk's bytes are a view of its received frame (nothing else keeps it): its block is reused.
    releaseChunk: (data) => link.bodyPool.release(data),
  });
  const counters = { flashesStarted: 0, flashesInstalled: 0, flashesRefused: 0, flashesFailed: 0 };
  const peer = transport.description;

  async function info(protocolVersion: number): Promise<InfoMsg> {
    const agent = await service.info();
    return { ...agent, protocolVersion, minProtocolVersion: range.min, maxProtocolVersion: range.max, maxFrameBytes };
  }

  /** Runs a flash step; authentication refusals are logged with the peer's description. */
  async function guarded<T>(step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      const code = e instanceof RanasError ? e.code : 'E_DEVICE';
      const refused = code === 'E_AUTH_REQUIRED' || code === 'E_AUTH_FAILED' || code === 'E_FLASH_DISABLED';
      if (refused) counters.flashesRefused++;
      else if (step === 'commit') counters.flashesFailed++;
      log({ level: 'warn', event: refused ? 'flash-refused' : `flash-${step}-failed`, message: errorMessage(e), details: { code, peer } });
      throw e;
    }
  }

  const handlers: RequestHandlers = {
    hello: async (hello) => info(negotiateVersion({ min: hello.minProtocolVersion, max: hello.maxProtocolVersion }, range)),
    flashBegin: (begin) => guarded('begin', async () => {
      const ack = await flash.begin(begin);
      counters.flashesStarted++;
      log({ level: 'info', event: 'flash-begin', message: `flash of ${begin.totalBytes} bytes from ${peer}, resuming at ${ack.nextOffset}`, details: { sha256: begin.sha256, peer } });
      return ack;
    }),
    flashChunk: (chunk) => flash.chunk(chunk),
    flashCommit: (commit) => guarded('commit', async () => {
      await flash.commit(commit.sha256, (file) => service.installBundle(file, commit.sha256));
      counters.flashesInstalled++;
      const { activeBundle } = await service.info();
      log({ level: 'info', event: 'flash-installed', message: `installed bundle ${commit.sha256.slice(0, 12)}… from ${peer}`, details: { sha256: commit.sha256, peer } });
      return { activeBundle };
    }),
    flashAbort: (abort) => flash.abort(abort.sha256),
    infer: async (req) => {
      checkInferInput(req);
      return service.infer(req);
    },
    statsRequest: async () => ({ agent: await service.stats(), link: linkStats() }),
  };
  const server = new RequestServer(link, handlers);

  function linkStats(): Record<string, number> {
    const d = link.decoderStats;
    return {
      framesIn: d.frames, bytesIn: d.bytesIn, framesOut: link.framesOut,
      droppedRunt: d.runt, droppedBadCrc: d.badCrc, droppedBadVersion: d.badVersion, droppedBadKind: d.badKind,
      droppedBadEscape: d.badEscape, droppedOversize: d.oversize,
      ...server.stats, ...counters,
    };
  }

  const closed = new Promise<void>((resolve) => {
    link.once('close', (e) => {
      void flash.closeHandle();
      log({ level: 'info', event: 'link-closed', message: `${peer} closed${e ? `: ${e.message}` : ''}`, details: { peer } });
      resolve();
    });
  });
  return { linkStats, closed, close: () => link.close() };
}

/** Host name used as the default device name. */
export function defaultDeviceName(): string {
  return os.hostname();
}
