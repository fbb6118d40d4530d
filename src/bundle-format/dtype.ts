/**
 * Element types of the bundle format: the dtypes a manifest tensor may have, their byte sizes, and the
 * subset an inference request may carry as its input on the wire (what the agent can turn into a tensor:
 * a raw uint8 HWC image, or a normalised float32 / int8 tensor). One table, read by the exporter, the agent,
 * the bridge and the CLI, so they cannot disagree.
 */

/** Element type of a tensor named by a manifest. */
export type TensorDType = 'float32' | 'int8' | 'uint8' | 'int32';

/** Bytes per element of every tensor dtype. */
export const DTYPE_BYTES: Readonly<Record<TensorDType, 1 | 4>> = { float32: 4, int8: 1, uint8: 1, int32: 4 };

/** Every tensor dtype, in table order. */
export const TENSOR_DTYPES: readonly TensorDType[] = ['float32', 'int8', 'uint8', 'int32'];

/** Element type an inference request's input may have (the agent refuses int32 inputs). */
export type InputDType = 'uint8' | 'int8' | 'float32';

/** Every input dtype, the default (a raw image) first. */
export const INPUT_DTYPES: readonly InputDType[] = ['uint8', 'int8', 'float32'];

/** The input dtype named `name`, or undefined when a request may not carry it. */
export function inputDTypeOf(name: string): InputDType | undefined {
  return INPUT_DTYPES.find((d) => d === name);
}

/** Bytes of a dense tensor of `shape` and `dtype`. */
export function byteLength(shape: readonly number[], dtype: TensorDType): number {
  return shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
}
