import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import type { Logger } from '../logger/logger';
import { CorrelationClientInterceptor } from './client-interceptor';

/** Address, TLS and API key for a dev server, a self-hosted cluster or Temporal Cloud. */
export function connectionOptions(config: Config): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const { address, tls, apiKey } = config.temporal;
  return {
    address,
    apiKey,
    tls:
      typeof tls === 'object'
        ? { clientCertPair: { crt: readFileSync(tls.cert ?? ''), key: readFileSync(tls.key ?? '') } }
        : tls,
  };
}

/** Retries `connect` with capped exponential backoff until it succeeds or `timeoutMs` passes. */
export async function retryConnect<T>(
  what: string,
  connect: () => Promise<T>,
  logger: Logger,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      if (attempt === 1 || attempt % 5 === 0) {
        logger.warn('temporal.connect_retry', `Waiting for Temporal (${what})`, { attempt, error: err });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * A client on a connection of its own, or on a worker's (`shared`): workflows it starts can then begin on that
 * worker at once (eager start) instead of waiting for the worker's next poll.
 */
export async function connectClient(config: Config, logger: Logger, shared?: NativeConnection): Promise<Client> {
  const connection = shared ?? (await retryConnect('client', () => Connection.connect(connectionOptions(config)), logger));
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [new CorrelationClientInterceptor()] },
  });
}

export async function connectWorkerConnection(config: Config, logger: Logger, timeoutMs?: number): Promise<NativeConnection> {
  return retryConnect('worker', () => NativeConnection.connect(connectionOptions(config)), logger, timeoutMs);
}
