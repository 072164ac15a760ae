import { WorkerError } from '../../../../core/protocol/client.ts';
import { plainText } from '../../../../core/protocol/plainText.ts';
import { errorSentence } from '../../../../core/protocol/validationMessages.ts';
import { errorText } from '../i18n/validation.ts';

/** How long a notice that needs nothing of the person stays up (ms); errors that need an action stay until closed. */
export const NOTICE_TIMEOUT_MS = { info: 6000, error: 10_000 } as const;

/**
 * Error codes whose notice needs the person to act (fix data, choose another run, free memory):
 * they stay until closed. The others (a refused request, an internal slip) go after a while.
 */
const NEEDS_ACTION = new Set(['DATASET_ERROR', 'CHECKPOINT_ERROR', 'CONFIG_ERROR', 'MEMORY_BUDGET', 'RUN_STORE_ERROR', 'QUEUE_FULL']);

export interface Notice {
  id: number;
  level: 'error' | 'info';
  /** The worker's error code (DATASET_ERROR, ...) when there is one: kept for tests (data-code), never shown. */
  code: string | null;
  message: string;
  /** Stays until the person closes it (an error that needs their action). */
  sticky: boolean;
}

/** Messages the person should read: worker errors, lost connections, restarts. */
class Notices {
  items = $state<Notice[]>([]);
  private nextId = 1;

  info(message: string): void {
    this.add({ level: 'info', code: null, message, sticky: false });
  }

  /**
   * Shows an error as a sentence: `context` says what was being done, a WorkerError's code gives
   * a lead-in (never shown itself) in the app's language. The worker's own message follows as the
   * worker wrote it (in English). Errors that need the person's action stay until closed.
   */
  error(err: unknown, context?: string, { sticky }: { sticky?: boolean } = {}): void {
    const code = err instanceof WorkerError ? err.code : null;
    const text = err instanceof Error ? err.message : String(err);
    this.add({ level: 'error', code, message: errorSentence(code, text, context, errorText()), sticky: sticky ?? (code !== null && NEEDS_ACTION.has(code)) });
  }

  dismiss(id: number): void {
    const timer = this.timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(id);
    this.items = this.items.filter((n) => n.id !== id);
  }

  /** Holds a notice while the pointer or the focus is on it; `false` lets it go after its time again. */
  hold(id: number, held: boolean): void {
    const n = this.items.find((i) => i.id === id);
    if (!n || n.sticky) return;
    const timer = this.timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(id);
    if (!held) this.schedule(n);
  }

  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();

  private schedule(n: Notice): void {
    if (n.sticky) return;
    this.timers.set(n.id, setTimeout(() => this.dismiss(n.id), NOTICE_TIMEOUT_MS[n.level]));
  }

  private add(n: Omit<Notice, 'id'>): void {
    // Messages quote names from files (an archive's entries): shown without control characters.
    n = { ...n, message: plainText(n.message, { multiline: true }) };
    // The same message twice in a row is shown once.
    const last = this.items.at(-1);
    if (last && last.message === n.message && last.code === n.code) return;
    const notice = { ...n, id: this.nextId++ };
    this.items.push(notice);
    this.schedule(notice);
    while (this.items.length > 5) this.dismiss(this.items[0]!.id);
  }
}

export const notices = new Notices();
