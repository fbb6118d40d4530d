/**
 * serveDevice: the device end of the bridge. Runs the request server on one transport and answers the
 * protocol with the agent's `AgentService`: Hello (version negotiation + info + a fresh nonce), the flash
 * session (authorised by the device's FlashGuard before anything is staged; staging, resume, sha256, then the
 * agent's atomic install — or, for an op pack, the agent keeps it for ProfileOps), Infer, Stats and
 * ProfileOps. Bad frames and bad messages are counted or answered with an Error; nothing a peer sends can
 * crash it.
 */
import { writeJsonLine } from '../../src/json-lines.ts';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { byteLength } from '../../src/bundle-format/dtype.ts';
import { RanasError, errorMessage } from '../../src/errors.ts';
import type { AgentService } from '../agent-service.ts';
import type { InfoMsg, InferMsg } from '../messages.ts';
import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_PROFILE_OPS } from '../protocol.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../framing/frame-decoder.ts';
import { FrameLink } from '../rpc/frame-link.ts';
import { RequestServer, type RequestHandlers } from '../rpc/request-server.ts';
import type { Transport } from '../transport/transport.ts';
import type { BridgeLogEvent } from './bridge-log.ts';
import { FlashGuard } from './flash-guard.ts';
import { InferAdmission } from './infer-admission.ts';
import { DEFAULT_MAX_BUNDLE_BYTES, FlashSession } from './flash-session.ts';
import { negotiateVersion } from './negotiate-version.ts';

export type { BridgeLogEvent } from './bridge-log.ts';

/** Codes of flash refusals (counted, and logged aggregated: at most one line per second). */
const REFUSAL_CODES = new Set(['E_AUTH_REQUIRED', 'E_AUTH_FAILED', 'E_FLASH_DISABLED', 'E_NONCE_REQUIRED', 'E_NO_TRUSTED_KEY', 'E_UNTRUSTED_KEY', 'E_BAD_SIGNATURE', 'E_DOWNGRADE', 'E_BUSY', 'E_RATE_LIMITED', 'E_NO_SPACE', 'E_BUNDLE_TOO_LARGE']);

export interface ServeDeviceOptions {
  /** Link key for the FlashBegin MAC (HMAC-SHA256); null disables flashing. */
  keyBytes: Buffer | null;
  /** Folder of trusted Ed25519 public keys. Default `<stagingDir>/../trusted-keys`. */
  trustDir?: string;
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

/** Requests queued per link before E_BUSY (told to the host in Info.maxInflight). */
const MAX_QUEUED_REQUESTS = 32;

/** Checks that an Infer's input length matches its shape and dtype (before the agent sees it; the dtype was checked when decoded). */
function checkInferInput(req: InferMsg): void {
  const expected = byteLength(req.shape, req.dtype);
  if (req.shape.length === 0 || expected !== req.input.length) {
    throw new RanasError('E_BAD_INPUT', `infer: input of ${req.input.length} bytes does not match shape [${req.shape.join(', ')}] ${req.dtype} (${expected} bytes)`);
  }
}

function stderrLog(e: BridgeLogEvent): void {
  writeJsonLine(process.stderr, { ...e });
}

export function serveDevice(transport: Transport, service: AgentService, opts: ServeDeviceOptions): DeviceServer {
  const log = opts.log ?? stderrLog;
  const range = opts.protocolRange ?? { min: PROTOCOL_VERSION_MIN, max: PROTOCOL_VERSION_MAX };
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const link = new FrameLink(transport, maxFrameBytes);
  const peer = transport.description;
  const guard = FlashGuard.of({
    stagingDir: opts.stagingDir, keyBytes: opts.keyBytes, trustDir: opts.trustDir,
    maxBundleBytes: opts.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES, log,
  });
  const flash = new FlashSession({
    stagingDir: opts.stagingDir, guard, peer,
    // A staged chunk's bytes are a view of its received frame (nothing else keeps it): its block is reused.
    releaseChunk: (data) => link.bodyPool.release(data),
  });
  const admission = InferAdmission.of(service);
  const counters = { flashesStarted: 0, flashesInstalled: 0, flashesRefused: 0, flashesFailed: 0, opPacksStaged: 0, profileOpsRequests: 0 };
  /** The protocol version of this link's last Hello (op packs and ProfileOps need 3). */
  let negotiated = 0;
  /** The nonce of this link's last Hello; a FlashBegin uses it up. */
  let nonce: Buffer | undefined;

  async function info(protocolVersion: number): Promise<InfoMsg> {
    const agent = await service.info();
    nonce = randomBytes(16);
    const installedVersion = (await guard.installedVersion()).version;
    return { ...agent, protocolVersion, minProtocolVersion: range.min, maxProtocolVersion: range.max, maxFrameBytes, nonce, installedVersion, maxInflight: MAX_QUEUED_REQUESTS };
  }

  /** Runs a flash step; refusals go to the device's aggregated refusal log, failures are logged with the peer. */
  async function guarded<T>(step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      const code = e instanceof RanasError ? e.code : 'E_DEVICE';
      if (REFUSAL_CODES.has(code)) {
        counters.flashesRefused++;
        guard.refused(code, peer, errorMessage(e));
      } else {
        if (step === 'commit') counters.flashesFailed++;
        log({ level: 'warn', event: `flash-${step}-failed`, message: errorMessage(e), details: { code, peer } });
      }
      throw e;
    }
  }

  const handlers: RequestHandlers = {
    hello: async (hello) => info((negotiated = negotiateVersion({ min: hello.minProtocolVersion, max: hello.maxProtocolVersion }, range))),
    flashBegin: (begin) => guarded('begin', async () => {
      if (begin.kind === 'opPack' && negotiated < PROTOCOL_VERSION_PROFILE_OPS) {
        throw new RanasError('E_PROTOCOL_VERSION', `an op pack flash needs protocol ${PROTOCOL_VERSION_PROFILE_OPS}; this link negotiated ${negotiated}`);
      }
      const used = nonce;
      nonce = undefined; // one FlashBegin per nonce: a replay on this link needs a new Hello and a new MAC
      const { ack, bundle } = await flash.begin(begin, used);
      counters.flashesStarted++;
      log({ level: 'info', event: 'flash-begin', message: `flash of ${bundle.name} v${bundle.version} (${begin.totalBytes} bytes) from ${peer}, resuming at ${ack.nextOffset}`, details: { sha256: begin.sha256, peer } });
      return ack;
    }),
    flashChunk: (chunk) => flash.chunk(chunk),
    flashCommit: (commit) => guarded('commit', async () => {
      // A bundle is installed (and becomes the version floor); an op pack is only kept for ProfileOps.
      const flashed = await flash.commit(commit.sha256, async (file, kind) => {
        if (kind === 'opPack') await service.stageOpPack(file, commit.sha256);
        else await service.installBundle(file, commit.sha256);
      });
      if (flashed.kind === 'opPack') counters.opPacksStaged++;
      else {
        await guard.recordInstalled({ version: flashed.version, sha256: flashed.sha256 });
        counters.flashesInstalled++;
      }
      const { activeBundle } = await service.info();
      const what = flashed.kind === 'opPack' ? 'kept op pack' : 'installed';
      log({ level: 'info', event: flashed.kind === 'opPack' ? 'op-pack-staged' : 'flash-installed', message: `${what} ${flashed.name} v${flashed.version} ${commit.sha256.slice(0, 12)}… from ${peer}`, details: { sha256: commit.sha256, peer } });
      return { activeBundle };
    }),
    flashAbort: (abort) => flash.abort(abort.sha256),
    infer: async (req, ctx) => {
      checkInferInput(req);
      return admission.run(req, ctx.arrivedAtMs, (r) => service.infer(r));
    },
    statsRequest: async () => ({ agent: await service.stats(), link: linkStats() }),
    // No Hello needed: a host re-sending after the agent restarted (a serial link stays open) is answered.
    profileOps: async (req) => {
      counters.profileOpsRequests++;
      return service.profileOps(req);
    },
  };
  const server = new RequestServer(link, handlers, { maxQueue: MAX_QUEUED_REQUESTS });

  function linkStats(): Record<string, number> {
    const d = link.decoderStats;
    return {
      framesIn: d.frames, bytesIn: d.bytesIn, framesOut: link.framesOut,
      droppedRunt: d.runt, droppedBadCrc: d.badCrc, droppedBadVersion: d.badVersion, droppedBadKind: d.badKind,
      droppedBadEscape: d.badEscape, droppedOversize: d.oversize,
      ...server.stats, ...counters, refusalsLogged: guard.refusals.refused,
      inferAdmitted: admission.stats.admitted, inferShedOnArrival: admission.stats.shedOnArrival, inferShedAtStart: admission.stats.shedAtStart, inferLate: admission.stats.late,
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
