/**
 * Accumulates the tensors, constant buffers, operator codes and operators of one TFLite subgraph while
 * the IR is lowered, then hands out a `ModelSpec` for `encodeModel`.
 */
import { createHash } from 'node:crypto';
import { RanasError } from '../../src/errors.ts';
import { littleEndianBytes } from './layouts.ts';
import type { ModelSpec, OperatorCodeSpec, OperatorSpec, OptionsSpec, QuantSpec, SignatureTensor, TensorSpec } from './model-spec.ts';
import type { BuiltinOpName, TensorTypeName } from './schema-subset.ts';

/** Element type of each constant tensor type. */
export type ConstantValues = Float32Array | Int32Array | Int8Array;

const TYPE_OF_VALUES: Record<TensorTypeName, (v: ConstantValues) => boolean> = {
  FLOAT32: (v) => v instanceof Float32Array,
  INT32: (v) => v instanceof Int32Array,
  INT8: (v) => v instanceof Int8Array,
};

/** Builder of one subgraph. Tensor names are unique. */
export class TfliteGraphBuilder {
  private readonly tensors: TensorSpec[] = [];
  private readonly buffers: Uint8Array[] = [new Uint8Array(0)];
  private readonly operators: OperatorSpec[] = [];
  private readonly operatorCodes: OperatorCodeSpec[] = [];
  private readonly codeIndex = new Map<BuiltinOpName, number>();
  private readonly byName = new Map<string, number>();
  /** IR tensor names, kept free for their own tensors when generated names are chosen. */
  private readonly reserved = new Set<string>();
  /** Constant tensors of IR weights by weight name and TFLite layout, so a shared weight is stored once. */
  private readonly weightTensors = new Map<string, number>();
  /**
   * Buffers by content (sha256 of the bytes): constants with equal bytes (zero biases of equal width,
   * repeated reshape targets) share one read-only buffer, as the schema allows.
   */
  private readonly bufferIndex = new Map<string, number>();
  private constantCount = 0;

  /** Reserves IR tensor names: `uniqueName` never hands them out. */
  reserve(names: Iterable<string>): void {
    for (const n of names) this.reserved.add(n);
  }

  /** `base` if no tensor has it and it is not reserved, else `base_2`, `base_3`, ... */
  uniqueName(base: string): string {
    const taken = (n: string) => this.byName.has(n) || this.reserved.has(n);
    if (!taken(base)) return base;
    let k = 2;
    while (taken(`${base}_${k}`)) k++;
    return `${base}_${k}`;
  }

  /**
   * A short generated name for a constant (a base-36 counter, kept clear of IR names): weight and bias
   * names would otherwise cost ~40 bytes per constant, as much as a small int8 filter. Inputs and outputs
   * keep their IR names; so do activations.
   */
  constantName(): string {
    return this.uniqueName((this.constantCount++).toString(36));
  }

  /** The constant of IR weight `weightName` in TFLite layout `shape`/`type`, created by `make` the first time. */
  weightConstant(weightName: string, shape: number[], type: TensorTypeName, make: (tensorName: string) => number): number {
    const key = `${weightName}|${type}|${shape.join('x')}`;
    let idx = this.weightTensors.get(key);
    if (idx === undefined) {
      idx = make(this.constantName());
      this.weightTensors.set(key, idx);
    }
    return idx;
  }

  /** Adds a tensor without data (an activation); `shape` includes the batch dimension. */
  addActivation(name: string, shape: number[], type: TensorTypeName, quant?: QuantSpec): number {
    return this.push({ name, shape, type, buffer: 0, quant });
  }

  /** Adds a constant tensor holding `values` (row-major in `shape`). */
  addConstant(name: string, shape: number[], type: TensorTypeName, values: ConstantValues, quant?: QuantSpec): number {
    const count = shape.reduce((a, b) => a * b, 1);
    if (!TYPE_OF_VALUES[type](values) || values.length !== count) {
      throw new RanasError(
        'E_TFLITE_INPUT',
        `constant '${name}': expected ${count} ${type} values for shape [${shape.join(',')}], found ${values.length} in a ${values.constructor.name}`,
        { tensor: name },
      );
    }
    const bytes = littleEndianBytes(values);
    const key = createHash('sha256').update(bytes).digest('hex');
    let buffer = this.bufferIndex.get(key);
    if (buffer === undefined) {
      this.buffers.push(bytes);
      buffer = this.buffers.length - 1;
      this.bufferIndex.set(key, buffer);
    }
    return this.push({ name, shape, type, buffer, quant });
  }

  /** Index of a tensor by name, if added. */
  find(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** The tensor at `index`. */
  tensorAt(index: number): TensorSpec {
    return this.tensors[index];
  }

  /** Appends an operator; one operator code per builtin, declared at the highest version any use needs. */
  addOperator(op: BuiltinOpName, version: number, inputs: number[], outputs: number[], options?: OptionsSpec): void {
    let code = this.codeIndex.get(op);
    if (code === undefined) {
      code = this.operatorCodes.length;
      this.operatorCodes.push({ op, version });
      this.codeIndex.set(op, code);
    } else {
      this.operatorCodes[code].version = Math.max(this.operatorCodes[code].version, version);
    }
    this.operators.push({ opcodeIndex: code, inputs, outputs, options });
  }

  /** The finished model. */
  toSpec(meta: { description: string; subgraphName: string; inputs: SignatureTensor[]; outputs: SignatureTensor[] }): ModelSpec {
    return {
      description: meta.description,
      subgraphName: meta.subgraphName,
      operatorCodes: this.operatorCodes,
      tensors: this.tensors,
      operators: this.operators,
      inputs: meta.inputs.map((t) => t.tensorIndex),
      outputs: meta.outputs.map((t) => t.tensorIndex),
      buffers: this.buffers,
      signature: { key: 'serving_default', inputs: meta.inputs, outputs: meta.outputs },
    };
  }

  private push(t: TensorSpec): number {
    if (this.byName.has(t.name)) {
      throw new RanasError('E_TFLITE_INPUT', `tensor name '${t.name}' is used twice; expected unique tensor names`, { tensor: t.name });
    }
    this.tensors.push(t);
    this.byName.set(t.name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }
}
