import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { SampleOptions } from '../../../core/generate/options.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { RUN_ARCHIVE_SUFFIX } from '../../../core/runs/archiveName.ts';
import { importRunArchive } from '../../../core/runs/runArchive.ts';
import { RunStore } from '../../../core/runs/runStore.ts';
import { packTar, unpackTar, type TarEntry } from '../../../core/runs/tar.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

async function drain(job: Job): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) out.push(e);
  return out;
}

const studioIn = (home: string) => new Studio({ home, progressIntervalMs: 0 });

async function sampleText(studio: Studio, runId: string): Promise<string> {
  const events = await drain(await studio.sample(runId, SampleOptions.parse({ length: 40, prompt: 'the ', seed: 9, temperature: 0.9 })));
  const done = events.at(-1) as Extract<JobEvent, { kind: 'done' }>;
  return String(done.summary.text);
}

/** The archive's entries, changed by `edit`, packed again. */
function repack(archive: Uint8Array, edit: (entries: TarEntry[]) => TarEntry[]): Uint8Array {
  return new Uint8Array(gzipSync(packTar(edit(unpackTar(new Uint8Array(gunzipSync(archive)))))));
}

let source: Studio;
let runId: string;
let archive: Uint8Array;

beforeAll(async () => {
  source = studioIn(mkdtempSync(join(tmpdir(), 'ars-export-')));
  const config = TrainConfig.parse({
    model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 24, layers: 1 },
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
    steps: 30,
    batch: 8,
    seq: 16,
    evalEvery: 10,
    checkpointEvery: 10,
  });
  const job = await source.startTraining(config, 'exported cats');
  await drain(job);
  runId = job.runId;
  const exported = await source.exportRun(runId);
  expect(exported.fileName).toBe(`${runId}${RUN_ARCHIVE_SUFFIX}`);
  expect(exported.notices).toEqual([]);
  archive = exported.archive;
});

describe('run export and import', () => {
  it('round-trips a run: same metadata, metrics and checkpoints, the same text sampled, and it resumes', async () => {
    const names = unpackTar(new Uint8Array(gunzipSync(archive))).map((e) => e.name);
    expect(names).toEqual([
      `${runId}/run.json`,
      `${runId}/metrics.jsonl`,
      `${runId}/previews.jsonl`,
      `${runId}/corpus.txt`,
      ...[10, 20, 30].flatMap((s) => [`${runId}/checkpoints/step-0000000${s}/model.json`, `${runId}/checkpoints/step-0000000${s}/weights.bin`]),
    ]);

    const target = studioIn(mkdtempSync(join(tmpdir(), 'ars-import-')));
    const imported = await target.importRun(archive, 'cats.ars-run.tgz');
    expect(imported.id).toBe(runId);
    const [before, after] = [await source.getRun(runId), await target.getRun(runId)];
    expect(after).toEqual(before);
    expect(await sampleText(target, runId)).toBe(await sampleText(source, runId));

    const resumed = await drain(await target.resumeTraining(runId, 5));
    expect(resumed.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 35 } });

    // Again into the same folder: a second run with a fresh id; the first is untouched.
    const again = await target.importRun(archive);
    expect(again.id).not.toBe(runId);
    expect(again.id.startsWith(runId.slice(0, 20))).toBe(true);
    expect((await target.listRuns()).map((r) => r.id).sort()).toEqual([runId, again.id].sort());
    expect((await target.getRun(runId)).step).toBe(35);
  });

  it('a run exported while it trained comes back interrupted, ready to resume', async () => {
    const active = repack(archive, (entries) =>
      entries.map((e) => {
        if (!e.name.endsWith('/run.json')) return e;
        const meta = JSON.parse(new TextDecoder().decode(e.data)) as Record<string, unknown>;
        return { ...e, data: new TextEncoder().encode(JSON.stringify({ ...meta, state: 'training', pid: 4242 })) };
      }),
    );
    const target = studioIn(mkdtempSync(join(tmpdir(), 'ars-import-')));
    expect(await target.importRun(active)).toMatchObject({ state: 'interrupted', checkpointStep: 30 });
  });

  it('refuses anything that is not a whole, intact run, naming the problem, and adds nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-import-bad-'));
    const target = studioIn(home);
    await target.importRun(archive); // one good run already there
    const runsBefore = readdirSync(join(home, 'runs')).sort();
    const flip = (entries: TarEntry[], suffix: string) =>
      entries.map((e) => {
        if (!e.name.endsWith(suffix)) return e;
        const data = e.data.slice();
        data[data.length >> 1] ^= 0x40;
        return { ...e, data };
      });
    const cases: [string, Uint8Array, RegExp][] = [
      ['random bytes', Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) & 0xff), /not a run archive/],
      ['a truncated download', archive.subarray(0, archive.length >> 1), /damaged/],
      ['an SVG', readFileSync(join(__dirname, '../../../assets/icon.svg')), /not a run archive/],
      ['an entry outside the run', repack(archive, (es) => [...es, { name: `${runId}/../../escape.txt`, data: new Uint8Array(1) }]), /"[^"]*escape\.txt", which is not part of a run/],
      ['a foreign file', repack(archive, (es) => [...es, { name: `${runId}/notes.sh`, data: new Uint8Array(1) }]), /notes\.sh", which is not part of a run/],
      ['two top folders', repack(archive, (es) => [...es, { name: 'other/run.json', data: new Uint8Array(1) }]), /other\/run\.json", which is not part of a run/],
      ['a damaged checkpoint', repack(archive, (es) => flip(es, 'step-000000020/weights.bin')), /damaged checkpoint \(step 20\).*checksum/],
      ['a cut-off run.json', repack(archive, (es) => es.map((e) => (e.name.endsWith('run.json') ? { ...e, data: e.data.subarray(0, 200) } : e))), /damaged run\.json \(not JSON text\)/],
      ['a run.json of another version', repack(archive, (es) => es.map((e) => (e.name.endsWith('run.json') ? { ...e, data: new TextEncoder().encode('{"formatVersion":7}') } : e))), /run\.json this version cannot read \(formatVersion/],
      ['no training text', repack(archive, (es) => es.filter((e) => !e.name.endsWith('corpus.txt'))), /lacks corpus\.txt/],
      ['no run.json', repack(archive, (es) => es.filter((e) => !e.name.endsWith('run.json'))), /no run\.json/],
      ['an empty archive', new Uint8Array(gzipSync(new Uint8Array(1024))), /empty/],
    ];
    for (const [what, bytes, message] of cases) {
      await expect(target.importRun(bytes, 'x.tgz'), what).rejects.toThrow(message);
      expect(readdirSync(join(home, 'runs')).sort(), what).toEqual(runsBefore); // no staging folder left, nothing added
    }
    expect((await target.listRuns()).length).toBe(1);
  });

  it('stops decompressing past its limit (a decompression bomb), adding nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-import-bomb-'));
    const bomb = new Uint8Array(gzipSync(new Uint8Array(4 * 2 ** 20))); // 4 MiB of zeros in a few KiB
    expect(bomb.length).toBeLessThan(10_000);
    await expect(importRunArchive(new RunStore(home), bomb, '"bomb.tgz"', 2 ** 20)).rejects.toThrow('"bomb.tgz" unpacks to more than 1 MiB: not a run archive');
    expect(existsSync(join(home, 'runs'))).toBe(false);
  });

  it('refuses a bomb of 1,000 MiB in one entry from its header, holding little memory, adding nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-import-bomb-'));
    // A tar header naming corpus.txt of 1000 MiB, then 1000 gzip members of 1 MiB of zeros: ~1 MB on disk.
    const header = packTar([{ name: `${runId}/corpus.txt`, data: new Uint8Array(0) }]).slice(0, 512);
    header.set(new TextEncoder().encode((1000 * 2 ** 20).toString(8).padStart(11, '0')), 124);
    header.fill(32, 148, 156);
    const sum = header.reduce((n, b) => n + b, 0);
    header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    const mib = gzipSync(new Uint8Array(2 ** 20));
    const bomb = new Uint8Array(Buffer.concat([gzipSync(header), ...Array.from({ length: 1000 }, () => mib)]));
    expect(bomb.length).toBeLessThan(2_000_000);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    try {
      await expect(importRunArchive(new RunStore(home), bomb, '"bomb.tgz"')).rejects.toThrow(/"bomb\.tgz" holds ".*corpus\.txt" of 1000 MiB/);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect((peak - before) / 2 ** 20).toBeLessThan(200);
    expect(existsSync(join(home, 'runs'))).toBe(false);
  });

  it('leaves a damaged checkpoint out of the export, with a notice, and the run still imports', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-export-damaged-'));
    const studio = studioIn(home);
    const imported = await studio.importRun(archive);
    const weights = join(home, 'runs', imported.id, 'checkpoints', 'step-000000030', 'weights.bin');
    const data = readFileSync(weights);
    writeFileSync(weights, data.subarray(0, data.length - 8));
    const exported = await studio.exportRun(imported.id);
    expect(exported.notices).toEqual([expect.stringMatching(/step 30 was left out of the export: .*truncated/)]);
    const other = studioIn(mkdtempSync(join(tmpdir(), 'ars-import-')));
    expect(await other.importRun(exported.archive)).toMatchObject({ checkpointStep: 20 });
    expect(existsSync(weights)).toBe(true); // exporting changes nothing
  });
});

describe('importing the same run twice at once', () => {
  it('gives each its own id; nothing is lost or left behind', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-import-race-'));
    const studio = studioIn(home);
    const runs = await Promise.all([studio.importRun(archive), studio.importRun(archive), studio.importRun(archive)]);
    expect(new Set(runs.map((r) => r.id)).size).toBe(3);
    expect(readdirSync(join(home, 'runs')).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const r of runs) expect((await studio.getRun(r.id)).metrics).toHaveLength(30);
  });
});
