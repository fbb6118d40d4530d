/**
 * Per-op tables: a `{ [T in OpType]: … }` object has one entry per op type, so adding an op to the IR fails
 * to compile until every table says what the new op does — where a `switch` with `default:` would silently
 * give it the default.
 */
import type { IrNode, IrNodeOf, OpType } from './types.ts';

/** A table of one function per op type, each taking the node of its own type. */
export type OpTable<R, A extends unknown[]> = { [T in OpType]: (node: IrNodeOf<T>, ...args: A) => R };

/** Calls `node`'s entry of `table` (TypeScript cannot correlate the op union with the table itself). */
export function byOp<R, A extends unknown[]>(table: OpTable<R, A>, node: IrNode, ...args: A): R {
  const entry = table[node.op] as (node: IrNode, ...args: A) => R;
  return entry(node, ...args);
}
