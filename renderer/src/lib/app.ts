import { imageRace } from './state/imageRace.svelte.ts';
import { imageTraining } from './state/imageTraining.svelte.ts';
import { completion, unconditional } from './state/pixelSampling.svelte.ts';
import { race } from './state/race.svelte.ts';
import { runs } from './state/runs.svelte.ts';
import { followRunningTrainings } from './state/runningJobs.ts';
import { training } from './state/training.svelte.ts';
import { worker } from './state/worker.svelte.ts';

/** Connects to the worker; each (re)connection reloads what the screens list. */
export function startApp(): void {
  worker.onConnected(() => {
    void training.loadCorpora();
    void runs.refresh();
    race.connected();
    training.connected();
    imageTraining.connected();
    completion.connected();
    unconditional.connected();
    void followRunningTrainings();
    imageRace.connected();
  });
  worker.start();
}
