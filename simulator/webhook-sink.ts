import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP listener that records webhooks, for tests (and demos) that want to see exactly what the
 * simulator, or Bolna, POSTs. Listens on 127.0.0.1 with an ephemeral port.
 */

/** One received request. */
export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
  rawBody: string;
  receivedAt: number;
}

/** A running sink. */
export interface WebhookSink {
  /** URL to put in `agent_config.webhook_url`. */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Status to answer from now on (default 200); a function decides per request. */
  respondWith(status: number | ((hook: ReceivedWebhook) => number)): void;
  /** Resolves once `predicate` holds for the received list; rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a sink; `path` is appended to its URL (default `/webhook`). */
export async function startWebhookSink(path = '/webhook'): Promise<WebhookSink> {
  const received: ReceivedWebhook[] = [];
  let decide: (hook: ReceivedWebhook) => number = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown = rawBody;
      try {
        body = JSON.parse(rawBody);
      } catch {
        // keep the text
      }
      const hook: ReceivedWebhook = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        rawBody,
        receivedAt: Date.now(),
      };
      received.push(hook);
      res.writeHead(decide(hook), { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    respondWith(status) {
      decide = typeof status === 'number' ? () => status : status;
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(
            `Webhook sink: condition not met within ${timeoutMs} ms (${received.length} received).`,
          );
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
