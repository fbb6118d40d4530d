/**
 * The study's data: the training set split into train and a held-out validation part (model selection,
 * budgeted-batch thresholds), and the test set, used only for the final table. For `cifar10` the full set
 * must be in the cache (fetched when it can be); there is no fallback to the mini set.
 */
import { ensureCifar10 } from '../data/ensure-cifar.ts';
import { subset } from '../data/splits.ts';
import type { ImageDataset } from '../data/types.ts';
import { RanasError } from '../errors.ts';
import { chooseData } from '../run/data-choice.ts';
import type { DataChoice } from '../run/run-options.ts';
import type { StudyPlan } from './study-plan.ts';

/** Seed of the test subset (only used when a plan evaluates fewer than all test images). */
const TEST_SUBSET_SEED = 2;

/** Train / validation / test of one study. */
export interface StudyData {
  /** What search and training read (they load it themselves). */
  choice: DataChoice;
  train: ImageDataset;
  val: ImageDataset;
  test: ImageDataset;
  note: string;
}

/** Loads the plan's data; the validation split is the one `runTraining` carves with the same seed. */
export async function loadStudyData(plan: StudyPlan, say: (line: string) => void): Promise<StudyData> {
  let choice: DataChoice = plan.data;
  if (plan.data === 'cifar10') {
    const r = await ensureCifar10({ log: say });
    choice = { dir: r.folder };
  }
  const d = await chooseData(choice, { valImages: plan.valImages, seed: plan.seed });
  if (!d.val) throw new RanasError('E_STUDY_DATA', `no validation split was carved from ${d.note}; expected ${plan.valImages} held-out images`);
  if (plan.data === 'cifar10' && d.train.count + d.val.count !== 50000) {
    throw new RanasError('E_STUDY_DATA', `${d.note}: ${d.train.count + d.val.count} training images; expected CIFAR-10's 50,000`);
  }
  const test = plan.testImages >= d.test.count ? d.test : subset(d.test, plan.testImages, TEST_SUBSET_SEED);
  return { choice, train: d.train, val: d.val, test, note: d.note };
}
