#!/usr/bin/env node
/** The `automitra` executable: runs one command line against the real terminal and exits with its code. */
import type { Writable } from 'node:stream';
import { processIo } from './io.js';
import { run } from './program.js';

const code = await run(process.argv.slice(2), processIo());
process.exitCode = code;

// Normally the process ends here by itself. If something a command used still holds the event loop
// (a keep-alive connection), exit anyway after a second, once the output has been written out.
const flushed = (stream: Writable) =>
  stream.writableLength > 0 ? new Promise((resolve) => stream.once('drain', resolve)) : Promise.resolve();
setTimeout(() => {
  void Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => process.exit(code));
}, 1_000).unref();
