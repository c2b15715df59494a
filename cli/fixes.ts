/** What to do when a check fails: the advice shared by `doctor` and `verify`. */

export const REALTIME_FIX =
  'make sure the proxy in front of the platform forwards WebSocket upgrades on /socket.io, and with several ' +
  'nodes that every node has the same REDIS_URL';

export const ENDPOINT_FIX = (receiver: string) =>
  `the receiver is expected at ${receiver}: set PUBLIC_WEBHOOK_URL on the server to a base URL of this ` +
  'platform that Bolna can reach from the internet, then run `automitra webhooks configure --all`';

export const BOLNA_FIX =
  'check BOLNA_BASE_URL and BOLNA_API_KEY on the server and its network access to Bolna; meanwhile agents ' +
  'stay pending and calls are not polled';
