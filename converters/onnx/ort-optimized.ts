/**
 * What onnxruntime makes of a model: opens it with every graph optimisation on (as the agent does), asks
 * ORT to save the optimised graph (`optimizedModelFilePath`), and counts its ops. For a QDQ int8 model the
 * interesting figures are the convolutions ORT fused into integer kernels (QLinearConv, in either domain,
 * NCHW or NHWC) against the ones it left as float `Conv` between DequantizeLinear/QuantizeLinear — a float
 * conv in an int8 model is a fallback: the model pays dequantise + float conv + quantise there.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx, type NodeProto } from './onnx-proto.ts';

/** Op counts of ORT's optimised graph. */
export interface OrtOptimizedGraph {
  /** Nodes per op type (`domain:op` for ops outside the default domain). */
  ops: Record<string, number>;
  /** Integer convolutions (QLinearConv in any domain). */
  integerConvs: number;
  /** Float convolutions (Conv / FusedConv in any domain). */
  floatConvs: number;
  /** DequantizeLinear / QuantizeLinear nodes ORT left in the graph. */
  dequantizeNodes: number;
  quantizeNodes: number;
}

function opKey(node: NodeProto): string {
  const d = node.domain ?? '';
  return d === '' || d === 'ai.onnx' ? String(node.opType) : `${d}:${node.opType}`;
}

/** Counts the ops of an ONNX model's bytes. */
export function countOps(bytes: Uint8Array): Record<string, number> {
  const model = onnx.ModelProto.decode(bytes);
  const ops: Record<string, number> = {};
  for (const n of model.graph?.node ?? []) {
    const k = opKey(n);
    ops[k] = (ops[k] ?? 0) + 1;
  }
  return ops;
}

function sumWhere(ops: Record<string, number>, test: (op: string) => boolean): number {
  return Object.entries(ops).reduce((s, [k, v]) => s + (test(k.split(':').pop() ?? k) ? v : 0), 0);
}

/** Opens `bytes` in onnxruntime (CPU, all optimisations) and summarises the optimised graph it runs. */
export async function ortOptimizedGraph(bytes: Uint8Array): Promise<OrtOptimizedGraph> {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-ort-opt-'));
  const file = join(dir, 'optimized.onnx');
  try {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      optimizedModelFilePath: file,
      logSeverityLevel: 3, // ORT warns that an NCHWc-optimised file is machine-specific: it is only read back here
    });
    await session.release();
    const ops = countOps(readFileSync(file));
    return {
      ops,
      integerConvs: sumWhere(ops, (op) => op === 'QLinearConv'),
      floatConvs: sumWhere(ops, (op) => op === 'Conv' || op === 'FusedConv' || op === 'NhwcFusedConv'),
      dequantizeNodes: sumWhere(ops, (op) => op === 'DequantizeLinear'),
      quantizeNodes: sumWhere(ops, (op) => op === 'QuantizeLinear'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
