/**
 * Op instances: the nodes of a prepared MS-RANAS graph (batch-norm folded, ReLU fused) grouped into the grid
 * pieces and cell parts the model builder tagged them with (`part` tag, `GridPart`), one instance per piece
 * and place (layer, scale, cell edge or node, exit). An instance's table key is its part (with the primitive
 * for a cell edge) and its boundary shapes, e.g. `edge:sep_conv_3x3|16x16x16>8x8x16`: everything its cost
 * depends on, nothing about where it sits, so one measured op model stands for every instance with that key.
 *
 * Fusing passes keep the producer's tags (a relu folded into the conv before it belongs to the conv's piece),
 * so grouping by tags is stable under preparation. An identity edge (skip_connect at stride 1) has no node and
 * no instance: it costs nothing.
 */
import { RanasError } from '../errors.ts';
import type { IrNode, ModelGraph } from '../ir/types.ts';
import { GRID_PARTS, type GridPart } from '../model/ms-ranas.ts';

/** One op instance of a graph. */
export interface OpInstance {
  /** Where it sits: `l3/s2/edge/n0.1`, `l2/exit`, … (unique in the graph). */
  id: string;
  /** Table key: part (and primitive) plus boundary shapes. */
  key: string;
  part: GridPart;
  /** Node names, in graph order. */
  nodes: string[];
  /** Tensors it reads from outside, in order of first use. */
  inputs: string[];
  /** Tensors it computes that are read outside it (or are graph exits), in graph order. */
  outputs: string[];
}

function partOf(node: IrNode): GridPart {
  const part = GRID_PARTS.find((p) => p === node.tags?.part);
  if (part === undefined) {
    throw new RanasError('E_LATENCY_KEY', `node ${node.name} has part tag ${JSON.stringify(node.tags?.part)}; expected one of ${GRID_PARTS.join(', ')} (an MS-RANAS network built by src/model)`, { node: node.name });
  }
  return part;
}

/** Where a node's op instance sits, from its tags. */
function instanceId(node: IrNode, part: GridPart): string {
  const t = node.tags ?? {};
  const place = t.exit !== undefined ? `l${t.layer}/exit` : `l${t.layer}/s${t.scale}`;
  const detail = part === 'edge' ? `/n${t.node}.${t.slot}` : part === 'node' ? `/n${t.node}` : '';
  return `${place}/${part}${detail}`;
}

const dims = (s: readonly number[]) => s.join('x');

/** Table key of an instance with the given part, primitive and boundary shapes. */
export function opKey(part: GridPart, primitive: string | undefined, inputShapes: readonly (readonly number[])[], outputShapes: readonly (readonly number[])[]): string {
  const name = part === 'edge' ? `edge:${primitive ?? '?'}` : part;
  return `${name}|${inputShapes.map(dims).join(',')}>${outputShapes.map(dims).join(',')}`;
}

/**
 * The op instances of `graph` (prepared), restricted to `nodeNames` when given (one segment's nodes), in
 * order of their first node. `shapes` from `validateGraph`.
 */
export function opInstances(graph: ModelGraph, shapes: ReadonlyMap<string, readonly number[]>, nodeNames?: readonly string[]): OpInstance[] {
  const keep = nodeNames === undefined ? undefined : new Set(nodeNames);
  const groups = new Map<string, { part: GridPart; primitive?: string; nodes: IrNode[] }>();
  for (const node of graph.nodes) {
    if (keep !== undefined && !keep.has(node.name)) continue;
    const part = partOf(node);
    const id = instanceId(node, part);
    const g = groups.get(id) ?? { part, nodes: [] };
    const primitive = node.tags?.primitive;
    if (typeof primitive === 'string') g.primitive = primitive;
    g.nodes.push(node);
    groups.set(id, g);
  }
  const exits = new Set(graph.exits.map((e) => e.tensor));
  const readers = new Map<string, string[]>();
  const idOf = new Map<string, string>();
  for (const [id, g] of groups) for (const n of g.nodes) idOf.set(n.name, id);
  for (const node of graph.nodes) for (const t of node.inputs) readers.set(t, [...(readers.get(t) ?? []), node.name]);
  const shapeOf = (t: string): readonly number[] => {
    const s = shapes.get(t);
    if (s === undefined) throw new RanasError('E_LATENCY_KEY', `tensor ${t} has no shape; expected shapes from validateGraph of graph ${graph.name}`, { tensor: t });
    return s;
  };
  return [...groups].map(([id, g]) => {
    const own = new Set(g.nodes.map((n) => n.name));
    const inputs = [...new Set(g.nodes.flatMap((n) => n.inputs).filter((t) => !own.has(t)))];
    const outputs = g.nodes.map((n) => n.name).filter((t) => exits.has(t) || (readers.get(t) ?? []).some((r) => idOf.get(r) !== id));
    const key = opKey(g.part, g.primitive, inputs.map(shapeOf), outputs.map(shapeOf));
    return { id, key, part: g.part, nodes: [...own], inputs, outputs };
  });
}
