/**
 * The project's TypeScript import graph, read with the compiler's own pre-processor (static imports,
 * `export … from`, `import type` and dynamic `import()` alike), for the dependency-order test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One relative import: the importing file and the imported file, both relative to the repo root. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/** Folders that hold the project's TypeScript (the tsconfig `include` minus scripts). */
export const SOURCE_ROOTS = ['src', 'converters', 'device', 'firmware-bridge', 'fleet', 'bench', 'test'] as const;

const SKIPPED_DIRS = new Set(['node_modules', 'runs', '.cache']);

/** Every `.ts` file under the source roots, relative to `repoRoot`, sorted. */
export function listSourceFiles(repoRoot: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (SKIPPED_DIRS.has(name)) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(repoRoot, p));
    }
  };
  for (const root of SOURCE_ROOTS) walk(join(repoRoot, root));
  return out.sort();
}

/** The relative imports of one file's text (`./x.ts`, `../y/z.ts`), resolved against its folder. */
export function relativeImports(file: string, text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
    .map((spec) => join(dirname(file), spec));
}

/** Every relative import edge among the project's source files. */
export function readImportGraph(repoRoot: string): ImportEdge[] {
  const root = resolve(repoRoot);
  const edges: ImportEdge[] = [];
  for (const from of listSourceFiles(root)) {
    const text = readFileSync(join(root, from), 'utf8');
    for (const to of relativeImports(from, text)) edges.push({ from, to });
  }
  return edges;
}
