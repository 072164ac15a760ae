import { isImageModel } from '../../../../core/protocol/schemas.ts';
import { imageTraining } from './imageTraining.svelte.ts';
import { training } from './training.svelte.ts';
import { worker } from './worker.svelte.ts';

/**
 * After a (re)connection: the trainings the worker is running belong to it, not to the page, so
 * the Text lab and Image lab monitors follow them again (a reloaded page picks up where it was).
 * The first running training of each kind is shown; the others are in the run list.
 */
export async function followRunningTrainings(): Promise<void> {
  let jobs;
  try {
    jobs = await worker.request('jobs.list', {});
  } catch {
    return; // an older worker, or the connection went again: nothing to follow
  }
  for (const job of jobs) {
    if (job.kind !== 'train') continue;
    let run;
    try {
      run = await worker.request('runs.get', { runId: job.runId });
    } catch {
      continue;
    }
    // Image models (PixelCNN and masked image model) train in the Image lab, text models in the Text lab.
    const lab = isImageModel(run.model) ? imageTraining : training;
    if (!lab.busy) await lab.follow(job, run);
  }
}
