import { WorkerError } from '../../../../core/protocol/client.ts';
import { plainText } from '../../../../core/protocol/plainText.ts';

export interface Notice {
  id: number;
  level: 'error' | 'info';
  /** The worker's error code (DATASET_ERROR, ...) when there is one. */
  code: string | null;
  message: string;
}

/** Messages the person should read: worker errors, lost connections, restarts. */
class Notices {
  items = $state<Notice[]>([]);
  private nextId = 1;

  info(message: string): void {
    this.add({ level: 'info', code: null, message });
  }

  /** Shows an error; a WorkerError keeps its code. `context` says what was being done. */
  error(err: unknown, context?: string): void {
    const code = err instanceof WorkerError ? err.code : null;
    const text = err instanceof Error ? err.message : String(err);
    const message = context ? `${context}: ${sentence(text)}` : sentence(text);
    this.add({ level: 'error', code, message });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  private add(n: Omit<Notice, 'id'>): void {
    // Messages quote names from files (an archive's entries): shown without control characters.
    n = { ...n, message: plainText(n.message, { multiline: true }) };
    // The same message twice in a row is shown once.
    const last = this.items.at(-1);
    if (last && last.message === n.message && last.code === n.code) return;
    this.items.push({ ...n, id: this.nextId++ });
    if (this.items.length > 5) this.items.shift();
  }
}

function sentence(text: string): string {
  const t = text.trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : 'Something went wrong';
}

export const notices = new Notices();
