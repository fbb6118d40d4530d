/**
 * The package's root folder: the nearest folder above this file holding a package.json. The same lookup
 * works from the TypeScript sources (`src/package-root.ts` → the checkout) and from the compiled JavaScript
 * (`dist/src/package-root.js` → the installed package), so data files shipped beside the code (genotypes,
 * the CIFAR-10 mini set, the bins, prebuilt native addons) are found from either.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(start);
  }
}

/** Absolute path of the package root (the checkout, or the installed package folder). */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** An absolute path inside the package. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
