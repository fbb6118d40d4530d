/**
 * Named training recipes (`ranas train --recipe NAME`). Each is data: the numbers of a published recipe, with
 * where they come from. An explicit flag (e.g. `--lr`) overrides the recipe's value; `--epochs N` rescales its
 * schedule (milestones and drop-path ramps are fractions of the epochs). The resolved recipe is recorded in
 * the run's `config.json`.
 *
 * - `darts`: DARTS's final CIFAR training, quark0/darts `cnn/train.py` defaults and its README's command
 *   (`--auxiliary --cutout`): 600 epochs, batch 96, SGD lr 0.025 momentum 0.9 (no Nesterov), weight decay
 *   3e-4, CosineAnnealingLR(epochs) to 0 stepped per epoch, drop-path 0.2·epoch/epochs, cutout 16, gradient
 *   clip 5 (global norm), auxiliary tower weight 0.4 after cell 2·layers//3 (`cnn/model.py`). The MS-RANAS
 *   paper trains its final networks this way. The tower applies to single-exit networks only: in a multi-exit
 *   network the exits already supervise the intermediate layers.
 * - `msdnet`: MSDNet's CIFAR training, gaohuang/MSDNet (README recipe, `opts.lua`, `train_joint.lua`): 300
 *   epochs, batch 64, SGD lr 0.1 momentum 0.9 Nesterov, weight decay 1e-4, lr ÷10 at 50 % and 75 % of the
 *   epochs, no cutout (standard pad-4 crop + flip only), no clipping, unweighted sum of the exits' losses.
 *   (kalviny/MSDNet-PyTorch, the authors' later port, uses the same numbers but plain momentum, no Nesterov.)
 * - `quick`: ranas's short defaults for CPU runs (10 epochs, batch 64, lr 0.05 cosine per step, weight decay
 *   3e-4, clip 5, cutout 16); no published source.
 */
import type { LrSchedule } from '../run/lr-schedule.ts';

/** Recipe names. */
export type RecipeName = 'darts' | 'msdnet' | 'quick';

/** Every number a recipe fixes. */
export interface Recipe {
  epochs: number;
  batchSize: number;
  lr: number;
  lrMin: number;
  schedule: LrSchedule;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Max global gradient norm (0 = off). */
  gradClip: number;
  /** Drop-path probability reached at the last epoch (0 = off). */
  dropPath: number;
  /** Cutout side in pixels (0 = off). */
  cutout: number;
  /** Auxiliary tower loss weight for single-exit networks (0 = no tower). */
  auxiliaryWeight: number;
  /** Where the numbers come from. */
  source: string;
}

/** The recipes. */
export const RECIPES: Record<RecipeName, Recipe> = {
  darts: {
    epochs: 600, batchSize: 96, lr: 0.025, lrMin: 0, schedule: { kind: 'cosine-per-epoch' }, momentum: 0.9, nesterov: false,
    weightDecay: 3e-4, gradClip: 5, dropPath: 0.2, cutout: 16, auxiliaryWeight: 0.4,
    source: 'quark0/darts cnn/train.py defaults + README (--auxiliary --cutout)',
  },
  msdnet: {
    epochs: 300, batchSize: 64, lr: 0.1, lrMin: 0, schedule: { kind: 'step', milestones: [0.5, 0.75], factor: 0.1 }, momentum: 0.9, nesterov: true,
    weightDecay: 1e-4, gradClip: 0, dropPath: 0, cutout: 0, auxiliaryWeight: 0,
    source: 'gaohuang/MSDNet README recipe, opts.lua, train_joint.lua',
  },
  quick: {
    epochs: 10, batchSize: 64, lr: 0.05, lrMin: 0, schedule: { kind: 'cosine-per-step' }, momentum: 0.9, nesterov: false,
    weightDecay: 3e-4, gradClip: 5, dropPath: 0, cutout: 16, auxiliaryWeight: 0,
    source: 'ranas short CPU defaults (no published source)',
  },
};

/** Recipe names in help order. */
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];

/** A recipe with every override applied, as recorded in config.json. */
export interface ResolvedRecipe extends Recipe {
  name: RecipeName;
  /** Fields a flag set instead of the recipe. */
  overridden: string[];
}

/** `recipe` with the fields in `over` replaced (those keys are listed as overridden). */
export function resolveRecipe(name: RecipeName, over: Partial<Omit<Recipe, 'source' | 'schedule'>>): ResolvedRecipe {
  const base = RECIPES[name];
  const overridden = Object.entries(over).filter(([, v]) => v !== undefined).map(([k]) => k);
  const picked = Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined));
  return { ...base, ...picked, name, overridden };
}
