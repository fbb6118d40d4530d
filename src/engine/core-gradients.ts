/**
 * tfjs-core's gradient functions. The package's Node entry (a CommonJS bundle) does not register them;
 * only its ES-module files do (`dist/register_all_gradients.js`), and those import siblings without file
 * extensions, which Node's ESM resolver refuses. A resolve hook adds the `.js` for relative imports inside
 * tfjs-core's dist folder. The ES-module copy shares the engine, kernel and gradient registries and the
 * Tensor class with the CommonJS copy through tfjs's global namespace, so one registry remains.
 */
import { register } from 'node:module';
import { tf } from './tf.ts';

const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && parent.includes('/@tensorflow/tfjs-core/dist/') && !/\\.m?js$/.test(specifier)) {
    return next(specifier + '.js', context);
  }
  return next(specifier, context);
}`;

let loading: Promise<void> | undefined;

/** Registers every tfjs-core gradient once per thread (no-op when another copy already did). */
export function registerCoreGradients(): Promise<void> {
  loading ??= (async () => {
    if (tf.getGradient(tf.Sum) !== undefined) return;
    register('data:text/javascript,' + encodeURIComponent(RESOLVE_HOOK));
    const specifier = '@tensorflow/tfjs-core/dist/register_all_gradients.js';
    await import(specifier);
  })();
  return loading;
}
