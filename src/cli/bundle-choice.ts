/**
 * The bundle a person means by a folder: a bundle folder (manifest.json) as is, or an export folder
 * (`ranas export --out DIR`: one `<format>-<precision>/` bundle each) narrowed by --format / --precision.
 * When several remain, or none, the error names the bundles inside and the flags that choose one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../errors.ts';

/** A bundle found in an export folder. */
export interface FoundBundle {
  dir: string;
  /** `<format>-<precision>`, e.g. tflite-int8. */
  name: string;
  format: string;
  precision: string;
}

/** The bundles of an export folder (sub-folders holding manifest.json), sorted by name. */
export function bundlesIn(dir: string): FoundBundle[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'manifest.json')))
    .map((e) => {
      const [format = e.name, precision = ''] = e.name.split('-');
      return { dir: join(dir, e.name), name: e.name, format, precision };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Resolves `dir` to one bundle folder. Without flags an export folder with several bundles is ambiguous
 * unless `preferred` picks one (predict prefers tflite-int8, the device's usual bundle).
 */
export function chooseBundle(dir: string, o: { format?: string; precision?: string; preferred?: string }): string {
  if (!existsSync(dir)) throw new RanasError('E_NO_BUNDLE', `${dir} does not exist; expected a bundle folder (manifest.json) or an export folder (ranas export --out)`, { dir });
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  const all = bundlesIn(dir);
  if (all.length === 0) throw new RanasError('E_NO_BUNDLE', `${dir} holds no manifest.json and no bundle folders; expected a bundle folder or an export folder (ranas export --out)`, { dir });
  const fits = all.filter((b) => (o.format === undefined || b.format === o.format) && (o.precision === undefined || b.precision === o.precision));
  const names = all.map((b) => b.name).join(', ');
  if (fits.length === 1) return fits[0].dir;
  const preferred = fits.find((b) => b.name === o.preferred);
  if (preferred) return preferred.dir;
  if (fits.length === 0) throw new RanasError('E_NO_BUNDLE', `${dir} holds bundles ${names}; none is ${[o.format, o.precision].filter(Boolean).join('-')}; expected --format and --precision naming one of them`, { dir });
  throw new RanasError('E_NO_BUNDLE', `${dir} is an export folder with ${fits.length} bundles (${fits.map((b) => b.name).join(', ')}); expected --format tflite|onnx and --precision fp32|int8 to choose one`, { dir });
}
