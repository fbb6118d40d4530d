/** Number, shape and dtype flags of `ranas device`: each error names the flag, the value and what was expected. */
import { RanasError } from '../../../errors.ts';
import { INPUT_DTYPES, inputDTypeOf, type InputDType } from '../../../bundle-format/dtype.ts';

export function parseNumber(flag: string, v: string, { min = 0, integer = false } = {}): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new RanasError('E_CLI_ARG', `${flag} is "${v}"; expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return n;
}

export function parseShape(v: string): number[] {
  const dims = v.split(/[,x×]/).map((d) => parseNumber('--shape', d.trim(), { min: 1, integer: true }));
  if (dims.length === 0) throw new RanasError('E_CLI_ARG', `--shape is "${v}"; expected dims like 1,32,32,3`);
  return dims;
}

export function parseDType(v: string): InputDType {
  const d = inputDTypeOf(v);
  if (!d) throw new RanasError('E_CLI_ARG', `--dtype is "${v}"; expected one of ${INPUT_DTYPES.join(', ')}`);
  return d;
}
