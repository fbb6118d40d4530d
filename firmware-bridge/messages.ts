/**
 * The protocol's messages as plain TypeScript types (camelCase, numbers, Buffers), one per message of
 * `protocol.proto`. `protocol.ts` converts between these and wire bytes; everything above the codec uses
 * only these types.
 */
import type { InputDType } from '../src/bundle-format/dtype.ts';
import type { InferPolicy } from '../src/bundle-format/policy.ts';

export interface HelloMsg {
  minProtocolVersion: number;
  maxProtocolVersion: number;
  hostName: string;
}

export interface ActiveBundleMsg {
  name: string;
  sha256: string;
  version: string;
}

export interface SegmentProfileMsg {
  p50Us: number;
  p99Us: number;
  runs: number;
  /** CPU threads the segment runs with, chosen by the agent's measurement (absent when not recorded). */
  threads?: number;
  /** Precision the segment runs in, chosen by the agent's measurement (absent: the bundle's own). */
  precision?: string;
}

export interface ProfileMsg {
  device: string;
  measuredAt: string;
  segments: SegmentProfileMsg[];
  /** Time a request spends outside its segments (absent from profiles measured before it was). */
  overhead?: { input: SegmentProfileMsg; answer: SegmentProfileMsg };
}

export interface InfoMsg {
  deviceName: string;
  agentVersion: string;
  protocolVersion: number;
  minProtocolVersion: number;
  maxProtocolVersion: number;
  activeBundle?: ActiveBundleMsg;
  runtimes: string[];
  profile?: ProfileMsg;
  maxFrameBytes: number;
  /** Fresh on every Hello; the next FlashBegin's MAC covers it (used once). */
  nonce: Buffer;
  /** Release number of the last bundle flashed to this device (0: none). */
  installedVersion: number;
  /** Requests the device queues per link; more are answered E_BUSY at once (0: not said). */
  maxInflight: number;
}

/** What a flash carries (protocol 3 adds op packs; absent on the wire = a bundle). */
export type FlashKind = 'bundle' | 'opPack';

export interface FlashBeginMsg {
  totalBytes: number;
  sha256: string;
  /** HMAC-SHA256 with the link key over (nonce, sha256, size, version, name): see auth/flash-statements.ts. */
  auth: Buffer;
  resume: boolean;
  name: string;
  /** Monotonic release number. */
  bundleVersion: number;
  /** Ed25519 over (name, version, size, sha256). */
  signature: Buffer;
  keyId: string;
  /** Ed25519 over (nonce, sha256, version); empty unless downgrading. */
  downgradeSignature: Buffer;
  /** A bundle (default) or an op pack for ProfileOps (src/bundle-format/op-pack.ts). */
  kind?: FlashKind;
}

export interface FlashChunkMsg {
  offset: number;
  data: Buffer;
}

export interface FlashAckMsg {
  nextOffset: number;
  totalBytes: number;
  /** The chunk lies beyond nextOffset and is kept until the gap before it is filled. */
  held?: boolean;
}

export interface FlashCommitMsg {
  sha256: string;
}

export interface FlashAbortMsg {
  sha256: string;
}

export interface FlashDoneMsg {
  activeBundle?: ActiveBundleMsg;
}

export interface InferMsg {
  input: Buffer;
  shape: number[];
  /** Checked when the message is decoded (protocol.ts) or parsed (the agent's JSON lines). */
  dtype: InputDType;
  budgetUs: number;
  policy: InferPolicy;
  /** Overrides the manifest's per-exit confidence thresholds when present. */
  threshold?: number;
  topK: number;
  /** Run every segment whatever the budget and policy, and report each exit in `InferResultMsg.exits`. */
  everyExit?: boolean;
}

/** One exit's readout: its class, confidence and logits as the segment output them (int8 values for an int8 bundle). */
export interface ExitReadoutMsg {
  exitIndex: number;
  classIndex: number;
  confidence: number;
  logits: number[];
}

export interface TopKMsg {
  classIndex: number;
  label: string;
  confidence: number;
}

export interface InferResultMsg {
  exitIndex: number;
  classIndex: number;
  label: string;
  confidence: number;
  topK: TopKMsg[];
  segmentLatencyUs: number[];
  totalUs: number;
  budgetUs: number;
  /** Finished within `budgetUs`. */
  met: boolean;
  /** The budget was below exit 1's cost; exit 1 was returned anyway. */
  overBudget: boolean;
  /** Time the request waited behind others on the device, µs (part of totalUs; counted against the budget). */
  queuedUs?: number;
  /** Every exit in order, when the request asked for `everyExit`. */
  exits?: ExitReadoutMsg[];
}

export type StatsRequestMsg = Record<string, never>;

export interface StatsMsg {
  agent: Record<string, number>;
  link: Record<string, number>;
}

/** Measure the next items of an op pack (protocol 3). */
export interface ProfileOpsMsg {
  packSha256: string;
  /** Bitmap over the pack's items: bit i set = already measured (src/bundle-format/op-pack.ts `doneBitmap`). */
  done: Buffer;
  /** Measure for about this long, ms (the device caps it). */
  maxMs: number;
  /** Runtime CPU threads (0: the agent's). */
  threads: number;
}

export interface OpLatencyMsg {
  item: number;
  key: string;
  part: string;
  p50Us: number;
  p99Us: number;
  runs: number;
}

export interface OpProfileMsg {
  entries: OpLatencyMsg[];
  /** Items not measured yet after these. */
  remaining: number;
  device: string;
  runtime: string;
  threads: number;
  items: number;
}

export interface ErrorMsg {
  code: string;
  message: string;
}

/** Message name → its TypeScript type. The names are the .proto message names in camelCase. */
export interface Messages {
  hello: HelloMsg;
  info: InfoMsg;
  flashBegin: FlashBeginMsg;
  flashChunk: FlashChunkMsg;
  flashAck: FlashAckMsg;
  flashCommit: FlashCommitMsg;
  flashAbort: FlashAbortMsg;
  flashDone: FlashDoneMsg;
  infer: InferMsg;
  inferResult: InferResultMsg;
  statsRequest: StatsRequestMsg;
  stats: StatsMsg;
  error: ErrorMsg;
  profileOps: ProfileOpsMsg;
  opProfile: OpProfileMsg;
}

export type MessageName = keyof Messages;

/** Requests and the response each one expects (an `error` may answer any request). */
export const RESPONSE_OF = {
  hello: 'info',
  flashBegin: 'flashAck',
  flashChunk: 'flashAck',
  flashCommit: 'flashDone',
  flashAbort: 'flashAck',
  infer: 'inferResult',
  statsRequest: 'stats',
  profileOps: 'opProfile',
} as const satisfies Partial<Record<MessageName, MessageName>>;

export type RequestName = keyof typeof RESPONSE_OF;
export type ResponseName<R extends RequestName> = (typeof RESPONSE_OF)[R];

/** A decoded message tagged with its name (a discriminated union over all messages). */
export type AnyMessage = { [K in MessageName]: { name: K; body: Messages[K] } }[MessageName];
