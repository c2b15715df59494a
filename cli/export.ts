/**
 * `calls export`: the server's streamed export piped to a file or stdout with constant memory.
 * Bytes are counted as they pass (rows for the progress bar); nothing is buffered. A file is written
 * under a temporary name and renamed when complete, so an interrupted export never looks finished.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import cliProgress from 'cli-progress';
import { LONG_TIMEOUT_MS, type ApiClient } from './api.js';
import { CliError, EXIT } from './errors.js';
import type { CliIo } from './io.js';
import { formatBytes } from './output.js';
import { RowCounter, type ExportFormat } from './row-counter.js';
import { orgPath } from './targets.js';

export interface ExportOptions {
  orgId: string;
  format: ExportFormat;
  /** A file path (relative to cwd), or undefined / `-` for stdout. */
  out?: string;
  from?: string;
  to?: string;
  status?: string;
  /** Draw a progress bar when stderr is a terminal and the export goes to a file. */
  progress: boolean;
}

export interface ExportSummary {
  organizationId: string;
  format: ExportFormat;
  /** The file written, or null for stdout. */
  file: string | null;
  rows: number;
  /** What the server announced (`x-total-count`), or null when it did not say. */
  expectedRows: number | null;
  bytes: number;
  durationMs: number;
}

export async function exportCalls(api: ApiClient, io: CliIo, options: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  const toFile = options.out !== undefined && options.out !== '-';
  const file = toFile ? path.resolve(io.cwd, options.out!) : null;
  const partial = file ? `${file}.partial` : null;
  // Open the destination first: an unwritable --out fails before the server does any work.
  let handle: FileHandle | null = null;
  if (partial) {
    try {
      handle = await open(partial, 'w', 0o600);
    } catch (err) {
      throw new CliError(`cannot write ${file}: ${(err as Error).message}`, EXIT.failed, 'output');
    }
  }
  let bar: cliProgress.SingleBar | null = null;
  let expectedRows: number | null = null;
  const counter = new RowCounter(options.format, (rows, bytes) =>
    bar?.update(Math.min(rows, expectedRows ?? rows), { size: formatBytes(bytes) }),
  );
  try {
    const res = await api.send('GET', orgPath(options.orgId, '/calls/export'), {
      query: { format: options.format, from: options.from, to: options.to, status: options.status },
      timeoutMs: LONG_TIMEOUT_MS,
    });
    const header = res.headers.get('x-total-count');
    expectedRows = header !== null && /^\d+$/.test(header) ? Number(header) : null;
    if (options.progress && handle && io.stderr.isTTY && expectedRows !== null) {
      bar = new cliProgress.SingleBar(
        {
          stream: io.stderr,
          format: 'exporting {bar} {percentage}% | {value}/{total} calls | {size}',
          hideCursor: false,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(expectedRows, 0, { size: formatBytes(0) });
    }
    const source = res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]);
    if (handle) {
      await pipeline(source, counter, handle.createWriteStream());
      await rename(partial!, file!);
    } else {
      await pipeline(source, counter, io.stdout as Writable, { end: false });
    }
  } catch (err) {
    if (partial) await rm(partial, { force: true });
    if (err instanceof CliError) throw err;
    // `automitra calls export | head` closes stdout early: that is the reader's choice, not a failure.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return summary();
    throw new CliError(
      `the export stopped after ${counter.rows} calls (${formatBytes(counter.bytes)}): ${(err as Error).message}` +
        (file ? '; nothing was written' : ''),
      EXIT.failed,
      'export_interrupted',
    );
  } finally {
    bar?.stop();
    await handle?.close().catch(() => {});
  }
  return summary();

  function summary(): ExportSummary {
    return {
      organizationId: options.orgId,
      format: options.format,
      file,
      rows: counter.rows,
      expectedRows,
      bytes: counter.bytes,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
