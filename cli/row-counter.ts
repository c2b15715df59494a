/**
 * Counts the rows of an export while its bytes pass through, without holding them: CSV records
 * (newlines outside quoted fields, header excluded) or the elements of a JSON array. Memory stays
 * constant whatever the size of the export.
 */
import { Transform, type TransformCallback } from 'node:stream';

export type ExportFormat = 'csv' | 'json';

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A pass-through stream that counts rows and bytes; `onProgress` is called after each chunk. */
export class RowCounter extends Transform {
  rows = 0;
  bytes = 0;
  private inString = false;
  private escaped = false;
  private depth = 0;
  private newlines = 0;
  private lastByte = -1;

  constructor(
    private readonly format: ExportFormat,
    private readonly onProgress: (rows: number, bytes: number) => void = () => {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.format === 'csv') this.countCsv(chunk);
    else this.countJson(chunk);
    this.onProgress(this.rows, this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    // A last CSV record without its final newline is still a record.
    if (this.format === 'csv' && this.bytes > 0 && this.lastByte !== NEWLINE && !this.inString) {
      this.newlines++;
      this.rows = Math.max(0, this.newlines - 1);
      this.onProgress(this.rows, this.bytes);
    }
    callback();
  }

  /** RFC 4180: a newline inside a quoted field is data; `""` toggles twice and changes nothing. */
  private countCsv(chunk: Buffer): void {
    for (const byte of chunk) {
      if (byte === QUOTE) this.inString = !this.inString;
      else if (byte === NEWLINE && !this.inString) this.newlines++;
    }
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1]!;
    this.rows = Math.max(0, this.newlines - 1);
  }

  /** Elements of the top-level array: each value that closes back to depth 1. */
  private countJson(chunk: Buffer): void {
    for (const byte of chunk) {
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        continue;
      }
      if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 1) this.rows++;
      }
    }
  }
}
