/**
 * Where the native engine's pieces live. The TensorFlow headers and shared libraries extracted from a
 * wheel go to a project-owned cache (`<project>/.cache/native/tf-<version>/`, git-ignored) that survives
 * `npm ci`; `node_modules/@tensorflow/tfjs-node/deps/` only holds relative links into it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RanasError } from '../../errors.ts';
import { PACKAGE_ROOT } from '../../package-root.ts';

/** TensorFlow CPU wheel version whose C library the addon is built against (the 2.9 C API compiles against it unchanged). */
export const TF_WHEEL_VERSION = '2.21.0';

/** The libtensorflow version tfjs-node 4.22's `scripts/install.js` looks for (its download is skipped when present). */
export const TFJS_NODE_LIB_MARKER = 'libtensorflow.so.2.9.1';

/** The shared libraries taken from the wheel (paths inside it) and their names in the cache. */
export const WHEEL_LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;

/** Every folder and file the setup touches. */
export interface NativePaths {
  projectRoot: string;
  /** `<project>/.cache/native` — wheels, extracted libraries, cached addons, build log. */
  nativeCache: string;
  /** `<nativeCache>/tf-<version>` with `include/` and `lib/`. */
  tfDir: string;
  /** Where downloaded wheels are kept until extracted. */
  wheelDir: string;
  /** The installed `@tensorflow/tfjs-node` package folder. */
  tfjsNodeDir: string;
  buildLog: string;
}

/** The project root (the checkout, or the installed package). */
export const PROJECT_ROOT = PACKAGE_ROOT;

/** Resolves the paths; throws `E_NATIVE_NO_TFJS_NODE` when tfjs-node's JavaScript is not installed. */
export function nativePaths(projectRoot = PROJECT_ROOT, tfVersion = TF_WHEEL_VERSION): NativePaths {
  const nativeCache = join(projectRoot, '.cache', 'native');
  let tfjsNodeDir: string;
  try {
    tfjsNodeDir = dirname(createRequire(join(projectRoot, 'package.json')).resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    throw new RanasError('E_NATIVE_NO_TFJS_NODE', `@tensorflow/tfjs-node is not in ${join(projectRoot, 'node_modules')}; expected it installed as an optional dependency (npm ci)`, { projectRoot });
  }
  return {
    projectRoot,
    nativeCache,
    tfDir: join(nativeCache, `tf-${tfVersion}`),
    wheelDir: join(nativeCache, 'wheels'),
    tfjsNodeDir,
    buildLog: join(nativeCache, 'build.log'),
  };
}
