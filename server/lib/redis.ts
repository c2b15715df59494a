/** One Redis connection for state shared between nodes; errors are logged, never thrown at random. */
import type { FastifyBaseLogger } from 'fastify';
import { createClient, type RedisClientType } from 'redis';

export async function connectRedis(url: string, log: FastifyBaseLogger): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url });
  client.on('error', (err) => log.error({ err }, 'redis connection error'));
  await client.connect();
  return client;
}
