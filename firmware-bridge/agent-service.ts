/**
 * The interface the device agent implements (device/, issue 6) and the bridge server calls. The bridge owns
 * the link, framing, retries, the flash session (staging, resume, sha256 + HMAC checks); the agent owns
 * the bundle store and inference. Messages are the plain types of `messages.ts`.
 */
import type { ActiveBundleMsg, InferMsg, InferResultMsg, OpProfileMsg, ProfileMsg, ProfileOpsMsg } from './messages.ts';

/** What the agent says about itself (the bridge adds the protocol fields to make an `Info`). */
export interface AgentInfo {
  deviceName: string;
  agentVersion: string;
  /** Absent when no bundle is installed. */
  activeBundle?: ActiveBundleMsg;
  /** Runtimes available on this device, e.g. ['tflite', 'onnx'] (+ 'edgetpu' when libedgetpu is present). */
  runtimes: string[];
  /** The active bundle's per-segment latency profile, once measured. */
  profile?: ProfileMsg;
}

/** Agent counters reported by `ranas device stats` (requests, misses, rssBytes, ...), numbers only. */
export type AgentStats = Record<string, number>;

export interface AgentService {
  info(): Promise<AgentInfo>;
  /**
   * Installs the bundle tar at `stagedFile`, whose sha256 (hex) the bridge has already checked equals
   * `expectedSha256` (the agent may check again). Verifies the manifest and every file, then swaps it in
   * atomically. On any failure throws a RanasError (its code travels to the host) and leaves the active
   * bundle untouched. The bridge deletes `stagedFile` afterwards; the agent must not keep a reference to it.
   */
  installBundle(stagedFile: string, expectedSha256: string): Promise<void>;
  /** Runs one budgeted anytime inference. Throws a RanasError for bad input or when no bundle is active. */
  infer(req: InferMsg): Promise<InferResultMsg>;
  stats(): Promise<AgentStats>;
  /**
   * Keeps the op pack tar at `stagedFile` (sha256 already checked by the bridge) for `profileOps`, after
   * checking its manifest and every item's sha256: never installed or activated. Returns its item count.
   * Throws E_OP_PACK for a bad pack (nothing kept).
   */
  stageOpPack(stagedFile: string, expectedSha256: string): Promise<{ items: number }>;
  /**
   * Measures the next items of a staged op pack not set in `req.done`, for about `req.maxMs` (at least one item
   * or chunk), between inference requests. E_NO_OP_PACK when no pack of that sha256 is kept.
   */
  profileOps(req: ProfileOpsMsg): Promise<OpProfileMsg>;
}
