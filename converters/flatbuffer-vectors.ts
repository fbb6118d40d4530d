/**
 * Flatbuffer vectors written with the `flatbuffers` package's Builder, shared by the TFLite model encoder
 * (`tflite/encode-model.ts`) and the TFLite Metadata encoder (`describe/tflite-metadata.ts`). Flatbuffers are
 * built back to front, so elements are added last to first; each returns the vector's offset.
 */
import type { Builder } from 'flatbuffers';

/** A vector of table/string offsets already written into `b`. */
export function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

/** A vector of int32 values. */
export function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

/** A vector of float32 values (each rounded to float32 as it is written). */
export function float32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}
