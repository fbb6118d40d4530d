/**
 * The declared dependency order of the project (written out for people in `src/README.md`). Each unit — a
 * top-level folder, a folder under `src/`, or a single file directly in `src/` — has a rank; production code
 * may import only units of a strictly lower rank, so units of equal rank (e.g. `train` and `search`) never
 * import each other and no folder-level cycle can form. Test code (`*.test.ts`, `testing/`, `test-support/`,
 * `test-support.ts`) may import any unit: an integration test legitimately reaches across layers.
 */
import type { ImportEdge } from './import-graph.ts';

/** Units from the bottom (rank 0) up. A unit not listed here fails the test: declare it first. */
export const LAYER_RANKS: Readonly<Record<string, number>> = {
  // Foundations: the error-code union, typed errors, seeded randomness, run folders (atomic writes,
  // provenance), text tables; where the package's files are (checkout or installed package) and which
  // TFLite addon build to load.
  'src/error-codes': 0,
  'src/package-root': 0,
  'src/errors': 1,
  'src/rng': 2,
  'src/run-folder': 2,
  'src/text-table': 2,
  // One JSON-lines writer (run logs, agent and bridge logs); progress bars and the lines printed above them.
  'src/json-lines': 1,
  'src/terminal': 2,
  'src/tflite-addon-path': 2,
  // The trained networks that ship in models/pretrained (read by the demo, predict and flash; written by the study).
  'src/pretrained-models': 2,
  // Formats and data every side shares: the bundle format (device and host), the IR, the datasets.
  'src/bundle-format': 3,
  'src/ir': 3,
  'src/data': 3,
  // The search space as data; the device link (bridge).
  'src/ops': 4,
  'firmware-bridge': 4,
  // Models on the host.
  'src/model': 5,
  // Tensor engine, then the IR executors built on it.
  'src/engine': 6,
  'src/exec': 7,
  // Lowering the IR to int8 TFLite/ONNX bundles; the device agent (peers: neither imports the other, they
  // meet in the bundle format).
  converters: 8,
  device: 8,
  // What every SGD run shares (data choice, model choice, checkpoint, batch source, progress, SGD step).
  'src/run': 9,
  // Many devices over MQTT: the agent's fleet session (plugged into the agent by bin/ranas-agent.mjs) and
  // the operator's rollouts and views (peer of src/run: neither imports the other).
  fleet: 9,
  // Evaluation, then the two kinds of run (peers: neither imports the other).
  'src/eval': 10,
  'src/train': 11,
  'src/search': 11,
  // The end-to-end demo; the benchmarks (scripts, and the local agent bench `ranas device bench --local`
  // runs); the command line, which nothing imports; end-to-end tests on top of everything.
  'src/demo': 12,
  bench: 13,
  // The study of MS-RANAS against its baselines: the demo's stages at scale (a peer of the benchmarks).
  'src/study': 13,
  'src/cli': 14,
  test: 15,
};

/**
 * Units on the device side, which must stay free of host training code: each may import only these units
 * (the device ships without the model builder, engine or search).
 */
export const ONLY_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  'firmware-bridge': ['src/error-codes', 'src/errors', 'src/rng', 'src/bundle-format', 'src/json-lines'],
  device: ['src/error-codes', 'src/errors', 'src/package-root', 'src/rng', 'src/run-folder', 'src/tflite-addon-path', 'src/text-table', 'src/bundle-format', 'firmware-bridge', 'src/json-lines'],
  fleet: ['src/error-codes', 'src/errors', 'src/rng', 'src/run-folder', 'src/bundle-format', 'firmware-bridge', 'device', 'src/json-lines'],
};

/**
 * Unit-level edges allowed against the order for now, each waiting on an issue that removes it (none since
 * issue 19). The test fails if one disappears without being struck from the list, so the list only shrinks.
 */
export const KNOWN_UPWARD: readonly string[] = [];

/** The unit a repo-relative file belongs to (`src/train/sgd.ts` → `src/train`, `src/rng.ts` → `src/rng`). */
export function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : `src/${parts[1].replace(/(\.test)?\.ts$/, '')}`;
  return parts[0];
}

/** True for test code, which may import across the order. */
export function isTestCode(file: string): boolean {
  const parts = file.split('/');
  const name = parts[parts.length - 1];
  return (
    name.endsWith('.test.ts') ||
    name === 'test-support.ts' ||
    parts.includes('testing') ||
    parts.includes('test-support') ||
    parts[0] === 'test'
  );
}

/** One import against the order, as a line a reader can act on. */
export interface LayerViolation {
  readonly edge: string;
  readonly detail: string;
}

/** Imports from production code that go to an equal or higher rank, or involve an undeclared unit. */
export function findViolations(edges: readonly ImportEdge[]): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const { from, to } of edges) {
    if (isTestCode(from)) continue;
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === b) continue;
    const ra = LAYER_RANKS[a];
    const rb = LAYER_RANKS[b];
    if (ra === undefined || rb === undefined) {
      const missing = ra === undefined ? a : b;
      out.push({ edge: `${a} -> ${b}`, detail: `${from} imports ${to}: unit ${missing} has no rank in LAYER_RANKS` });
    } else if (ONLY_IMPORTS[a] !== undefined && !ONLY_IMPORTS[a].includes(b)) {
      out.push({
        edge: `${a} -> ${b}`,
        detail: `${from} imports ${to}: ${a} may import only ${ONLY_IMPORTS[a].join(', ')}, found ${b}`,
      });
    } else if (rb >= ra) {
      out.push({
        edge: `${a} -> ${b}`,
        detail: `${from} imports ${to}: ${a} (rank ${ra}) may import only lower ranks, found ${b} (rank ${rb})`,
      });
    }
  }
  return out;
}

/** The folder a repo-relative file sits in. */
export function folderOf(file: string): string {
  return file.split('/').slice(0, -1).join('/');
}

/**
 * Cycles over production imports between groups of files (`unitOf` for the layer units, `folderOf` for every
 * directory), each as the sorted members of one strongly connected component with more than one member.
 */
export function findCycles(edges: readonly ImportEdge[], groupOf: (file: string) => string): string[][] {
  const dirOf = groupOf;
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (isTestCode(from)) continue;
    const a = dirOf(from);
    const b = dirOf(to);
    if (a === b) continue;
    if (!next.has(a)) next.set(a, new Set());
    if (!next.has(b)) next.set(b, new Set());
    next.get(a)!.add(b);
  }
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}
