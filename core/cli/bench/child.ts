/**
 * One `ars bench` job in its own process, so its peak resident memory is its own. Started by
 * runBench.ts with `fork`; reads the job name and backend from argv, answers with one message.
 */
import { runJob, type JobOutcome } from './runJob.ts';

const [job, backend, mode, profile] = process.argv.slice(2);

async function main(): Promise<void> {
  let outcome: JobOutcome;
  try {
    const compare = mode === 'all' ? 'all' : mode && mode.length > 0 ? mode.split(',') : false;
    outcome = await runJob(job ?? '', backend && backend.length > 0 ? backend : undefined, compare, profile === 'profile');
  } catch (error) {
    outcome = { ok: false, job: job ?? '', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  await new Promise<void>((resolve) => {
    if (process.send) process.send(outcome, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(outcome)}\n`);
      resolve();
    }
  });
  // TensorFlow.js and worker threads may hold the event loop open.
  process.exit(0);
}

void main();
