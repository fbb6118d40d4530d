/**
 * Lays out `@tensorflow/tfjs-node/deps/{include,lib}` as its binding.gyp expects, as relative links into
 * the project cache: `lib/libtensorflow.so` → the wheel's `libtensorflow_cc.so.2` (whose SONAME the addon
 * then records), `libtensorflow_framework.so`, and the `libtensorflow.so.2.9.1` file whose presence makes
 * tfjs-node's own install script skip its (unreachable) download.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { TFJS_NODE_LIB_MARKER } from './native-paths.ts';

/** Link name in `deps/lib` → target: a cache file (absolute, made relative) or a sibling name. */
export function depsLibLinks(tfLibDir: string): Record<string, string> {
  return {
    'libtensorflow_cc.so.2': join(tfLibDir, 'libtensorflow_cc.so.2'),
    'libtensorflow_framework.so.2': join(tfLibDir, 'libtensorflow_framework.so.2'),
    'libtensorflow.so': 'libtensorflow_cc.so.2',
    'libtensorflow.so.2': 'libtensorflow_cc.so.2',
    'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
    [TFJS_NODE_LIB_MARKER]: 'libtensorflow_cc.so.2',
  };
}

/** Creates (or replaces) a symbolic link at `path` pointing at `target` by a path relative to the link's folder. */
function relativeLink(path: string, target: string): void {
  const rel = target.startsWith('/') ? relative(dirname(path), target) : target;
  if (existsOrDangling(path)) {
    if (lstatSync(path).isSymbolicLink() && readlinkSync(path) === rel) return;
    rmSync(path, { recursive: true, force: true });
  }
  symlinkSync(rel, path);
}

function existsOrDangling(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return existsSync(path);
  }
}

/** Makes `<tfjsNodeDir>/deps` point into `tfDir` (idempotent); returns the deps folder. */
export function layoutDeps(tfjsNodeDir: string, tfDir: string): string {
  const deps = join(tfjsNodeDir, 'deps');
  const lib = join(deps, 'lib');
  mkdirSync(deps, { recursive: true });
  relativeLink(join(deps, 'include'), join(tfDir, 'include'));
  if (existsOrDangling(lib) && lstatSync(lib).isSymbolicLink()) rmSync(lib);
  mkdirSync(lib, { recursive: true });
  for (const [name, target] of Object.entries(depsLibLinks(join(tfDir, 'lib')))) relativeLink(join(lib, name), target);
  return deps;
}
