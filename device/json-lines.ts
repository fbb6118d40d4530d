/**
 * JSON-lines mode of the agent (stdin → stdout): one request per line, one answer per line, in order.
 * Requests: `{"id"?, "op"?: "infer"|"info"|"stats"|"profile"|"install"|"rollback", ...}` (op defaults to
 * infer). Infer fields: `input` (array of numbers) or `inputBase64`, `shape`, `dtype` (uint8 raw HWC image,
 * float32 or int8 normalised tensor; default uint8), `budgetUs`, `policy` (default deadline), `threshold`,
 * `topK`, `everyExit` (run every segment, answer each exit's logits). Install: `path` (bundle folder or tar). Answers: `{"id", "ok": true, "result"}` or
 * `{"id", "ok": false, "error": {"code", "message"}}`. A bad line gets an error answer, never a crash.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { InferMsg } from '../firmware-bridge/messages.ts';
import { INPUT_DTYPES, inputDTypeOf, type InputDType } from '../src/bundle-format/dtype.ts';
import { POLICY_NAMES, policyOf } from '../src/bundle-format/policy.ts';
import { RanasError } from '../src/errors.ts';
import type { Agent } from './agent.ts';

type Obj = Record<string, unknown>;
type Op = 'infer' | 'info' | 'stats' | 'profile' | 'install' | 'rollback';

/** Longest line accepted, characters (a 224×224×3 image as a JSON array is ~600 KB). */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

function bad(message: string): RanasError {
  return new RanasError('E_BAD_REQUEST', message);
}

function numberField(o: Obj, key: string, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`field '${key}' is ${JSON.stringify(o[key]) ?? 'missing'}; expected a number`);
  return v;
}

/** Input dtype → the bytes of a JSON number array in that dtype. */
const ENCODE_INPUT: Record<InputDType, (values: number[]) => Buffer> = {
  uint8: (v) => Buffer.from(Uint8Array.from(v)),
  int8: (v) => Buffer.from(Int8Array.from(v).buffer),
  float32: (v) => Buffer.from(Float32Array.from(v).buffer),
};

/** Parses an infer line into the wire Infer the agent takes. */
export function parseInferLine(o: Obj): InferMsg {
  const dtypeName = o.dtype ?? 'uint8';
  const dtype = typeof dtypeName === 'string' ? inputDTypeOf(dtypeName) : undefined;
  if (!dtype) throw bad(`field 'dtype' is ${JSON.stringify(dtypeName)}; expected one of ${INPUT_DTYPES.join(', ')}`);
  const shape = o.shape;
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isInteger(d) && d > 0)) throw bad(`field 'shape' is ${JSON.stringify(shape) ?? 'missing'}; expected an array of positive integers`);
  let input: Buffer;
  if (typeof o.inputBase64 === 'string') input = Buffer.from(o.inputBase64, 'base64');
  else if (Array.isArray(o.input) && o.input.every((x): x is number => typeof x === 'number')) input = ENCODE_INPUT[dtype](o.input);
  else throw bad("expected 'input' (an array of numbers) or 'inputBase64'");
  const policyName = o.policy ?? 'deadline';
  const policy = typeof policyName === 'string' ? policyOf(policyName) : undefined;
  if (!policy) throw bad(`field 'policy' is ${JSON.stringify(o.policy)}; expected one of ${POLICY_NAMES.join(', ')}`);
  return {
    input,
    shape,
    dtype,
    budgetUs: numberField(o, 'budgetUs'),
    policy,
    threshold: o.threshold === undefined ? undefined : numberField(o, 'threshold'),
    topK: numberField(o, 'topK', 5),
    everyExit: o.everyExit === true,
  };
}

const OP_NAMES: readonly Op[] = ['infer', 'info', 'stats', 'profile', 'install', 'rollback'];

const OPS: Record<Op, (agent: Agent, o: Obj) => Promise<unknown>> = {
  infer: (agent, o) => agent.infer(parseInferLine(o)),
  info: (agent) => agent.info(),
  stats: (agent) => agent.stats(),
  profile: (agent) => agent.profile(),
  install: async (agent, o) => {
    if (typeof o.path !== 'string') throw bad("install needs 'path' (a bundle folder or tar)");
    const b = await agent.install(o.path);
    return { id: b.id, name: b.manifest.model.name, manifestSha256: b.manifestSha256 };
  },
  rollback: async (agent) => {
    const b = await agent.rollback();
    return { id: b.id, name: b.manifest.model.name };
  },
};

/** Answers one line (never throws). */
export async function answerLine(agent: Agent, line: string): Promise<string> {
  let id: unknown = null;
  try {
    if (line.length > MAX_LINE_CHARS) throw bad(`line of ${line.length} characters; the limit is ${MAX_LINE_CHARS}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw bad(`line is not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('line is not a JSON object');
    const o: Obj = Object.fromEntries(Object.entries(parsed));
    id = o.id ?? null;
    const opName = o.op ?? 'infer';
    const op = OP_NAMES.find((k) => k === opName);
    if (!op) throw bad(`op is ${JSON.stringify(opName)}; expected one of ${OP_NAMES.join(', ')}`);
    const result = await OPS[op](agent, o);
    return JSON.stringify({ id, ok: true, result });
  } catch (e) {
    const code = e instanceof RanasError ? e.code : 'E_INTERNAL';
    return JSON.stringify({ id, ok: false, error: { code, message: e instanceof Error ? e.message : String(e) } });
  }
}

/** Serves JSON lines from `input` to `output` until `input` ends; resolves when every answer is written. */
export async function serveJsonLines(agent: Agent, input: Readable, output: Writable): Promise<void> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const answer = await answerLine(agent, line);
    if (!output.write(answer + '\n')) await new Promise((r) => output.once('drain', r));
  }
}
