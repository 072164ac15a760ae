/**
 * A built-in corpus's name and description in the current language ("sonnets" → 莎士比亚十四行诗);
 * any other dataset (an opened file) keeps its own name. Pure (no runes).
 */
import { en } from './i18n/en.ts';
import { translate } from './i18n/translate.ts';

type BuiltinCorpus = keyof typeof en.corpora;
const isBuiltin = (name: string): name is BuiltinCorpus => Object.hasOwn(en.corpora, name);

/** Whether the app translates this dataset's name (else it is the person's own file name). */
export function isBuiltinCorpus(name: string): boolean {
  return isBuiltin(name);
}

export function datasetName(name: string): string {
  return isBuiltin(name) ? translate(`corpora.${name}.name`) : name;
}

/** The corpus's description, or the worker's own where the app has none. */
export function corpusDescription(name: string, fallback: string): string {
  return isBuiltin(name) ? translate(`corpora.${name}.description`) : fallback;
}
