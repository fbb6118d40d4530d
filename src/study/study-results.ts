/**
 * What each study stage returns and commits (results/study/stages/<stage>.json), and the checks a stored
 * result must pass before a rerun reuses it (it comes from disk, possibly from another commit).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BudgetedPoint } from '../eval/budgeted-batch.ts';
import type { Width } from './study-networks.ts';

/** One epoch of a search. */
export interface SearchEpoch {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Mean entropy (nats) of softmax(alpha) over the rows of each alpha matrix (uniform rows: `uniformEntropy`). */
  entropyNormal: number;
  entropyReduce: number;
  seconds: number;
}

/** A finished search. */
export interface SearchResult {
  name: string;
  /** Committed copy of the derived genotype. */
  genotypePath: string;
  genotypeHash: string;
  halves: [number, number];
  steps: number;
  epochs: SearchEpoch[];
  /** Entropy of a uniform row over every primitive (ln 8): alphas still near it mean the genotype is noise. */
  uniformEntropy: number;
}

/** One epoch of a training run. */
export interface EpochPoint {
  epoch: number;
  loss: number;
  exitLosses: number[];
  seconds: number;
  imgPerSec: number;
  /** Each exit's top-1 on the held-out validation images after this epoch (runs that measured it). */
  valTop1?: number[];
}

/** One exit of a trained network (fp32). */
export interface TrainedExit {
  /** 1-based, as a person reads it. */
  exit: number;
  layer: number;
  /** What the device pays to answer here: the trunk up to this exit plus every head up to it. */
  anytimeMacs: number;
  /** The trunk up to this exit plus this exit's head only (a planned exit). */
  cumulativeMacs: number;
  /** Parameters this exit needs. */
  params: number;
  valTop1: number;
  testTop1: number;
}

/** A trained network with its fp32 evaluation. */
export interface TrainedNetwork {
  name: string;
  label: string;
  /** Committed trained model (IR). */
  modelDir: string;
  width: Width;
  params: number;
  genotypeHash: string | null;
  exits: TrainedExit[];
  /** Budgeted-batch points on the test set, thresholds chosen on validation (x: `mmacs` field = MACs / 1e6). */
  budgeted: BudgetedPoint[];
  epochs: EpochPoint[];
  trainImages: number;
  valImages: number;
  testImages: number;
}

/** The int8 exports of a trained network. */
export interface ExportResult {
  /** Bundle folders by name (uncommitted, rebuilt by the stage). */
  bundles: Record<string, string>;
  bundleBytes: Record<string, number>;
  fp32Tflite: (number | null)[];
  int8Tflite: (number | null)[];
  int8Onnx: (number | null)[];
  evalImages: number;
}

/** The int8 device bundle on the local agent. */
export interface DeviceResult {
  /** Which bundle was flashed (e.g. onnx-int8). */
  bundle: string;
  deviceName: string;
  agentVersion: string;
  images: number;
  segments: { p50Us: number; p99Us: number }[];
  /** Time a request spends outside the segments (input + answer), p50. */
  overheadP50Us: number;
  sweep: { budgetUs: number; accuracy: number; exitCounts: number[]; p50Us: number; p99Us: number; misses: number }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A stored stage result of the given kind when its required fields are there, else null (the stage reruns). */
function parseWith<T>(keys: readonly string[]): (v: unknown) => T | null {
  return (v: unknown): T | null => {
    if (!isRecord(v) || !keys.every((k) => k in v)) return null;
    // The fields were checked to be present; the file is this module's own output.
    return v as T;
  };
}

/** Checks of each stage kind: parse the stored result, and say whether its files still exist. */
export const STAGE_CHECKS = {
  search: { parse: parseWith<SearchResult>(['name', 'genotypePath', 'genotypeHash', 'epochs']), valid: (r: SearchResult) => existsSync(r.genotypePath) },
  train: { parse: parseWith<TrainedNetwork>(['name', 'modelDir', 'exits', 'params', 'epochs']), valid: (r: TrainedNetwork) => existsSync(join(r.modelDir, 'weights.bin')) },
  export: { parse: parseWith<ExportResult>(['bundles', 'int8Tflite', 'int8Onnx']), valid: (r: ExportResult) => Object.values(r.bundles).every((d) => existsSync(join(d, 'manifest.json'))) },
  device: { parse: parseWith<DeviceResult>(['segments', 'sweep']), valid: () => true },
  ship: { parse: parseWith<{ dir: string; network: string }>(['dir', 'network']), valid: (r: { dir: string }) => existsSync(join(r.dir, 'pretrained.json')) },
} as const;
