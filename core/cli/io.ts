import { plainText } from '../protocol/plainText.ts';
import type { StudioLike } from '../worker/dispatcher.ts';
import type { StudioOptions } from '../worker/studio.ts';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers a Ctrl-C handler; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
  /** Builds the Studio; default: the real one from core/worker/studio.ts. */
  createStudio?: (options: StudioOptions) => StudioLike | Promise<StudioLike>;
  /** The built renderer for `serve`; default <repo>/out/renderer. */
  staticDir?: string;
}

/** One value as one line of JSON on stdout. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * A message on one line (line breaks and the spaces around them become one space), without
 * control characters: messages quote names from files (an archive entry, a run's name).
 */
export function oneLine(s: string): string {
  return plainText(s.replace(/\s*\n\s*/g, ' ')).trim();
}

/** An output stream that remembers whether its last line is unfinished (a prompt, a progress bar). */
export class LineTrackingStream implements OutputStream {
  /** True when something was written after the last newline. */
  open = false;
  constructor(private readonly inner: OutputStream) {}
  write(chunk: string): unknown {
    if (chunk.length > 0) this.open = !chunk.endsWith('\n');
    return this.inner.write(chunk);
  }
  get isTTY(): boolean | undefined {
    return this.inner.isTTY;
  }
  get columns(): number | undefined {
    return this.inner.columns;
  }
}
