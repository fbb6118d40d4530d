/**
 * The only file that reaches into tfjs-node's internals: its backend's `executeMultipleOutputs` (runs one
 * TensorFlow eager op by name) and its binding's attribute-type and dtype codes. Checked once at run time
 * against the shape tfjs-node 4.22 has, so an upgrade that changes them fails here with a clear message.
 */
import { tf } from '../tf.ts';
import { RanasError } from '../../errors.ts';

/** One attribute of a TensorFlow op (kinds as in the op's registration: type, int, list(int), ...). */
export type OpAttr =
  | { name: string; kind: 'type'; value: 'float32' | 'int32' }
  | { name: string; kind: 'int'; value: number | number[] }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'bool'; value: boolean }
  | { name: string; kind: 'string'; value: string };

/** Runs TensorFlow ops directly on the tensorflow backend. */
export interface NativeOps {
  /** TensorFlow C library version (`TF_Version()`). */
  tensorflowVersion: string;
  /** Executes op `name` on `inputs` (in the op's input order) and returns its first `numOutputs` outputs. */
  run(name: string, attrs: readonly OpAttr[], inputs: readonly tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}

/** tfjs-node's attribute record. */
interface RawAttr {
  name: string;
  type: number;
  value: number | number[] | boolean | string;
}

/** What we use of tfjs-node's `NodeJSKernelBackend`. */
interface NodeBackendShape {
  executeMultipleOutputs(name: string, attrs: RawAttr[], inputs: tf.TensorInfo[], numOutputs: number): unknown;
  binding: object;
}

const ATTR_CODES = ['TF_ATTR_TYPE', 'TF_ATTR_INT', 'TF_ATTR_FLOAT', 'TF_ATTR_BOOL', 'TF_ATTR_STRING'] as const;
const DTYPE_CODES = ['TF_FLOAT', 'TF_INT32'] as const;
type CodeName = (typeof ATTR_CODES)[number] | (typeof DTYPE_CODES)[number];

const ATTR_CODE_OF: Record<OpAttr['kind'], (typeof ATTR_CODES)[number]> = {
  type: 'TF_ATTR_TYPE',
  int: 'TF_ATTR_INT',
  float: 'TF_ATTR_FLOAT',
  bool: 'TF_ATTR_BOOL',
  string: 'TF_ATTR_STRING',
};
const DTYPE_CODE_OF: Record<'float32' | 'int32', (typeof DTYPE_CODES)[number]> = { float32: 'TF_FLOAT', int32: 'TF_INT32' };

function isNodeBackend(b: unknown): b is NodeBackendShape {
  return typeof b === 'object' && b !== null && 'executeMultipleOutputs' in b && typeof b.executeMultipleOutputs === 'function' && 'binding' in b && typeof b.binding === 'object' && b.binding !== null;
}

function bindingNumber(binding: object, key: string): number | undefined {
  const v: unknown = Object.getOwnPropertyDescriptor(binding, key)?.value ?? Reflect.get(binding, key);
  return typeof v === 'number' ? v : undefined;
}

/**
 * Wraps a tfjs-node backend (default: the active one). Throws `E_NATIVE_INTERNALS` when `backend` is not
 * tfjs-node's or its internals are not what this file expects.
 */
export function nativeOps(backend: unknown = tf.backend()): NativeOps {
  if (!isNodeBackend(backend)) {
    throw new RanasError('E_NATIVE_INTERNALS', `backend ${tf.getBackend()} has no executeMultipleOutputs/binding; expected tfjs-node's NodeJSKernelBackend (tfjs-node 4.22)`);
  }
  const codes = new Map<CodeName, number>();
  for (const key of [...ATTR_CODES, ...DTYPE_CODES]) {
    const v = bindingNumber(backend.binding, key);
    if (v === undefined) throw new RanasError('E_NATIVE_INTERNALS', `tfjs-node binding has no numeric ${key}; expected the tfjs-node 4.22 binding`, { key });
    codes.set(key, v);
  }
  const code = (key: CodeName): number => codes.get(key) ?? -1;
  const version: unknown = Reflect.get(backend.binding, 'TF_Version');
  const toRaw = (a: OpAttr): RawAttr => ({ name: a.name, type: code(ATTR_CODE_OF[a.kind]), value: a.kind === 'type' ? code(DTYPE_CODE_OF[a.value]) : a.value });
  return {
    tensorflowVersion: typeof version === 'string' ? version : 'unknown',
    run(name, attrs, inputs, numOutputs) {
      const out = backend.executeMultipleOutputs(name, attrs.map(toRaw), [...inputs], numOutputs);
      if (!Array.isArray(out) || out.length !== numOutputs || !out.every((t) => t instanceof tf.Tensor)) {
        throw new RanasError('E_NATIVE_INTERNALS', `tfjs-node executeMultipleOutputs(${name}) did not return ${numOutputs} tensors`, { op: name });
      }
      return out;
    },
  };
}
