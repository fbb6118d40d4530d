/**
 * Per-node timings of one traced TensorFlow session run: the few fields of `RunMetadata.step_stats`
 * (tensorflow/core/framework/step_stats.proto) a profile needs, read with a minimal protobuf reader (varints
 * and length-delimited fields; everything else is skipped by wire type).
 */
import { RanasError } from '../../errors.ts';

/** One executed node. */
export interface NodeStat {
  device: string;
  node: string;
  /** Op type from the timeline label (`name = Type(inputs)`), e.g. `_MklNativeConv2D`. */
  type: string;
  startMicros: number;
  /** op_end_rel_micros − op_start_rel_micros: the kernel's own time. */
  opMicros: number;
  /** all_end_rel_micros: from scheduling to the end, queueing included. */
  allMicros: number;
}

type Field = { no: number; wire: number; value: number | Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw new RanasError('E_TF_GRAPH', 'run metadata: truncated varint');
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw new RanasError('E_TF_GRAPH', `run metadata: field ${no} runs past the end`);
      yield { no, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new RanasError('E_TF_GRAPH', `run metadata: wire type ${wire} of field ${no} is not supported`);
  }
}

const text = (v: number | Uint8Array): string => (typeof v === 'number' ? '' : new TextDecoder().decode(v));
const bytes = (v: number | Uint8Array): Uint8Array => (typeof v === 'number' ? new Uint8Array() : v);
const num = (v: number | Uint8Array): number => (typeof v === 'number' ? v : 0);

function nodeStat(device: string, buf: Uint8Array): NodeStat {
  const s: NodeStat = { device, node: '', type: '', startMicros: 0, opMicros: 0, allMicros: 0 };
  let opStart = 0;
  let opEnd = 0;
  for (const f of fields(buf)) {
    if (f.no === 1) s.node = text(f.value);
    else if (f.no === 2) s.startMicros = num(f.value);
    else if (f.no === 3) opStart = num(f.value);
    else if (f.no === 4) opEnd = num(f.value);
    else if (f.no === 5) s.allMicros = num(f.value);
    else if (f.no === 8) s.type = /=\s*([\w.]+)\(/.exec(text(f.value))?.[1] ?? '';
  }
  s.opMicros = Math.max(0, opEnd - opStart);
  return s;
}

/** The node timings in a serialized RunMetadata (empty when the run was not traced). */
export function parseStepStats(runMetadata: Uint8Array): NodeStat[] {
  const out: NodeStat[] = [];
  for (const top of fields(runMetadata)) {
    if (top.no !== 1) continue; // step_stats
    for (const dev of fields(bytes(top.value))) {
      if (dev.no !== 1) continue; // dev_stats
      let device = '';
      const nodes: Uint8Array[] = [];
      for (const f of fields(bytes(dev.value))) {
        if (f.no === 1) device = text(f.value);
        else if (f.no === 2) nodes.push(bytes(f.value));
      }
      for (const n of nodes) out.push(nodeStat(device, n));
    }
  }
  return out;
}
