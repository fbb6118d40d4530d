/**
 * A run folder whose checkpoint was made with other options cannot be resumed (the loops refuse it with
 * E_SEARCH_RESUME / E_TRAIN_RESUME). Pipelines that own their run folders (`ranas demo`, `ranas study`) then
 * clear that folder and start the run over.
 */
import { rmSync } from 'node:fs';
import { isRanasError, type ErrorCode } from '../errors.ts';

/** The errors that mean "this checkpoint was made with other options". */
const RESUME_MISMATCH: readonly ErrorCode[] = ['E_SEARCH_RESUME', 'E_TRAIN_RESUME'];

/**
 * Runs `work`; when it fails because the checkpoint in `dir` was made with other options, says so, clears `dir`
 * and runs `work` again. `what` names the thing started over in that line ("run", "stage").
 */
export async function restartOnMismatch<T>(dir: string, work: () => Promise<T>, say: (line: string) => void, what: 'run' | 'stage'): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!isRanasError(e) || !RESUME_MISMATCH.includes(e.code)) throw e;
    say(`the checkpoint in ${dir} was made with other options (${e.message}); starting that ${what} over`);
    rmSync(dir, { recursive: true, force: true });
    return await work();
  }
}
