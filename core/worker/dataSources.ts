import { BUILTIN_CORPUS_TABLE, loadBuiltinCorpus } from '../data/builtinCorpora.ts';
import { datasetsFolder, resolveDatasetPath, type FileAccess } from '../data/dataPath.ts';
import { IMAGE_PIXELS, type ImageCollection } from '../data/imageSet.ts';
import { loadImageSource } from '../data/imageImport.ts';
import type { ImageSource } from '../data/imageSource.ts';
import { loadTextSource, type LoadedText } from '../data/textSource.ts';
import type { ResultOf } from '../protocol/messages.ts';
import type { TrainConfig } from '../train/config.ts';

/**
 * The data a worker's clients may train on: the built-in corpora and image sets, uploads, and
 * files within the path policy. `fileAccess` 'datasets' (every protocol client) admits only
 * files inside `<home>/datasets`; 'any' (the command line) admits any file.
 */
export class DataSources {
  constructor(
    private readonly home: string,
    private readonly fileAccess: FileAccess,
  ) {}

  async corpora(): Promise<ResultOf<'corpora.list'>> {
    return BUILTIN_CORPUS_TABLE.map((c) => ({ name: c.name, description: c.description, chars: [...loadBuiltinCorpus(c.name)].length }));
  }

  /** The text a training config names, once its path passes the policy. */
  async text(data: TrainConfig['data']): Promise<LoadedText> {
    return loadTextSource(await this.allowedText(data));
  }

  /** The image set a source names, once its path passes the policy. */
  async images(source: ImageSource): Promise<ImageCollection> {
    return loadImageSource(await this.allowedImages(source));
  }

  /** Loads an image set for a preview: its name, its size and `limit` images spread across it. */
  async imagePreview(source: ImageSource, limit: number): Promise<ResultOf<'images.preview'>> {
    const set = await this.images(source);
    const shown = Math.min(limit, set.count);
    // Spread over the whole set (the built-in digits are stored class by class).
    const images = new Uint8Array(shown * IMAGE_PIXELS);
    for (let i = 0; i < shown; i++) {
      const from = Math.floor((i * set.count) / shown);
      images.set(set.images.subarray(from * IMAGE_PIXELS, (from + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    }
    return { name: set.name, count: set.count, shown, images };
  }

  /** A `file` source must name a file the caller may read. */
  private async allowedText(data: TrainConfig['data']): Promise<TrainConfig['data']> {
    if (data.kind !== 'file' || this.fileAccess === 'any') return data;
    return { kind: 'file', path: await resolveDatasetPath(datasetsFolder(this.home), data.path) };
  }

  /** A `file` or `folder` image source must name a path the caller may read (as allowedText). */
  private async allowedImages(data: ImageSource): Promise<ImageSource> {
    if ((data.kind !== 'file' && data.kind !== 'folder') || this.fileAccess === 'any') return data;
    return { kind: data.kind, path: await resolveDatasetPath(datasetsFolder(this.home), data.path) };
  }
}
