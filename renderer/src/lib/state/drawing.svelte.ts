import {
  copyDrawing,
  countOnes,
  drawingFromImage,
  emptyDrawing,
  keepRegion,
  knownMask,
  paintSegment,
  rectBetween,
  sameDrawing,
  SIDE,
  topRowsRect,
  UndoStack,
  type Brush,
  type Cell,
  type CellRect,
  type Drawing,
  type KnownMode,
} from '../bitmap.ts';
import type { KnownInput } from '../imageForm.ts';

export type DrawTool = 'pen' | 'eraser' | 'rect';

/**
 * The Image lab's drawing: a 28×28 image drawn with pen and eraser (or taken from a dataset
 * digit and cut down), an undo history of whole strokes, and which pixels count as known.
 * The pixels live in plain arrays; `version` changes whenever they do.
 */
class DrawingPad {
  tool = $state<DrawTool>('pen');
  brush = $state<Brush>(2);
  /** Known pixels: every row above `knownRows`, or the painted ones (drawn, erased or kept). */
  mode = $state<KnownMode>('rows');
  knownRows = $state(14);
  /** The "keep the top rows" slider. */
  keepRows = $state(SIDE);
  /** Bumped on every change of the pixels or the painted mask. */
  version = $state(0);
  undoSize = $state(0);
  /** The rectangle being dragged out with the rectangle tool. */
  rectDraft = $state.raw<CellRect | null>(null);
  /** The dataset image the drawing started from (its index in the preview), if any. */
  digitIndex = $state<number | null>(null);

  private d: Drawing = emptyDrawing();
  private readonly undo = new UndoStack(100);
  /** The drawing before the stroke (or slider drag) in progress. */
  private before: Drawing | null = null;
  private last: Cell | null = null;
  private rectStart: Cell | null = null;
  /** What the "keep top rows" slider cuts down (the drawing when the slider was first moved). */
  private keepBase: Drawing | null = null;

  /** The pixels (read `version` first to follow changes). */
  get values(): Uint8Array {
    return this.d.values;
  }

  get painted(): Uint8Array {
    return this.d.painted;
  }

  /** 1 for each known pixel, in the chosen mode. */
  get mask(): Uint8Array<ArrayBuffer> {
    void this.version;
    return knownMask(this.mode, this.knownRows, this.d.painted);
  }

  get knownCount(): number {
    return countOnes(this.mask);
  }

  get inkCount(): number {
    void this.version;
    return countOnes(this.d.values);
  }

  /** What the completion keeps: the known pixels' values and the mask. */
  knownPixels(): KnownInput {
    const mask = this.mask;
    return { values: Uint8Array.from(this.d.values, (v, i) => (mask[i] && v ? 1 : 0)), mask };
  }

  // ------------------------------------------------------------ strokes

  /** A pointer went down on `cell`. */
  pointerDown(cell: Cell): void {
    this.keepBase = null;
    if (this.tool === 'rect') {
      this.rectStart = cell;
      this.rectDraft = rectBetween(cell, cell);
      return;
    }
    this.before = copyDrawing(this.d);
    this.last = cell;
    this.paint(cell, cell);
  }

  /** The pointer moved to `cell` while down. */
  pointerMove(cell: Cell): void {
    if (this.tool === 'rect') {
      if (this.rectStart) this.rectDraft = rectBetween(this.rectStart, cell);
      return;
    }
    if (!this.before || !this.last) return;
    if (cell.row === this.last.row && cell.col === this.last.col) return;
    this.paint(this.last, cell);
    this.last = cell;
  }

  /** The pointer went up (or was lost): the stroke becomes one undo step. */
  pointerUp(): void {
    if (this.tool === 'rect' && this.rectStart && this.rectDraft) {
      const rect = this.rectDraft;
      this.rectStart = null;
      this.rectDraft = null;
      this.keepRect(rect);
      return;
    }
    this.rectStart = null;
    this.rectDraft = null;
    if (this.before && !sameDrawing(this.before, this.d)) this.pushUndo(this.before);
    this.before = null;
    this.last = null;
  }

  private paint(from: Cell, to: Cell): void {
    if (paintSegment(this.d, from, to, this.tool === 'eraser' ? 0 : 1, this.brush)) this.version += 1;
  }

  // ------------------------------------------------------------ whole-image edits

  clear(): void {
    this.edit(emptyDrawing());
    this.digitIndex = null;
  }

  undoLast(): void {
    const previous = this.undo.pop();
    if (!previous) return;
    this.d = previous;
    this.keepBase = null;
    this.undoSize = this.undo.size;
    this.version += 1;
  }

  /** Starts from a dataset image (all of it kept, so all of it painted). */
  startFrom(image: Uint8Array, index: number): void {
    this.edit(drawingFromImage(image));
    this.digitIndex = index;
    this.keepRows = SIDE;
  }

  /**
   * Keeps only the top `rows` rows of the drawing as it was when the slider was first moved,
   * clearing the rest; they become the known rows too. The slider's whole drag is one undo step.
   */
  keepTopRows(rows: number): void {
    const r = Math.max(0, Math.min(SIDE, Math.round(rows)));
    if (!this.keepBase) {
      this.keepBase = copyDrawing(this.d);
      this.pushUndo(this.keepBase);
    }
    this.keepRows = r;
    this.d = keepRegion(this.keepBase.values, topRowsRect(r));
    if (this.mode === 'rows') this.knownRows = r;
    this.version += 1;
  }

  /** The slider was let go: the next move starts a new undo step from the drawing then. */
  keepDone(): void {
    this.keepBase = null;
  }

  /** Keeps only the pixels inside `rect` (they become the painted, known, region). */
  keepRect(rect: CellRect): void {
    this.edit(keepRegion(this.d.values, rect));
    this.mode = 'painted';
  }

  private edit(next: Drawing): void {
    this.keepBase = null;
    if (sameDrawing(next, this.d)) return;
    this.pushUndo(this.d);
    this.d = next;
    this.version += 1;
  }

  private pushUndo(d: Drawing): void {
    this.undo.push(d);
    this.undoSize = this.undo.size;
  }
}

export const drawing = new DrawingPad();
