/** The seeded PRNG (mulberry32) that makes fault-injection runs reproducible from their seed. */
import { mulberry32 } from '../../src/rng.ts';

export const seededRandom: (seed: number) => () => number = mulberry32;
