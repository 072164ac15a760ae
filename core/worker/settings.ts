import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../runs/atomicFile.ts';

/** Choices remembered per data folder (so per machine): `<home>/settings.json`. */
export const Settings = z.object({
  /** The compute backend chosen in the app; absent: the ladder decides. */
  backend: z.string().max(40).optional(),
  /** Trainings run at once; more wait in a queue. Absent: one per CPU core. */
  maxConcurrentTrainings: z.number().int().min(1).max(256).optional(),
});
export type Settings = z.infer<typeof Settings>;

/** The saved settings; a missing or damaged file reads as no settings (it is never required). */
export function readSettings(home: string): Settings {
  try {
    const parsed = Settings.safeParse(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export async function writeSettings(home: string, settings: Settings): Promise<void> {
  await mkdir(home, { recursive: true });
  await writeFileAtomic(join(home, 'settings.json'), `${JSON.stringify(Settings.parse(settings), null, 2)}\n`);
}
