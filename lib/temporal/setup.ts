import type { ConnectionLike } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Logger } from '../logger/logger';
import { SEARCH_ATTRIBUTES } from './search-attributes';

// A CommonJS package: its namespaces are only reachable through the default export under Node's ESM loader.
const { temporal } = proto;

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const NOT_FOUND = 5; // gRPC status code

/** Creates the namespace if it does not exist (dev server and self-hosted clusters; Temporal Cloud refuses). */
export async function ensureNamespace(connection: ConnectionLike, namespace: string, logger: Logger): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== NOT_FOUND) throw err;
  }
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('7 days'),
  });
  logger.info('temporal.namespace_created', `Temporal namespace ${namespace} created`, { namespace });
  // A new namespace takes a while (seconds) to reach the caches that starting a workflow reads; describing it reads
  // the database, so ask something that goes through those caches instead.
  for (let i = 0; i < 150; i++) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query: '' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Registers Isengard's search attributes where missing. A dev server registers `--search-attribute` only when
 * it creates its database, so one that restarts on an existing file needs this; clusters that forbid it
 * (Temporal Cloud: add them in its UI) get a warning, not a failure.
 */
export async function ensureSearchAttributes(connection: ConnectionLike, namespace: string, logger: Logger): Promise<void> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.filter((key) => !(customAttributes && key.name in customAttributes));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, KEYWORD])),
    });
    logger.info('temporal.search_attributes_added', `Search attributes added: ${missing.map((k) => k.name).join(', ')}`, {
      namespace,
    });
  } catch (err) {
    logger.warn(
      'temporal.search_attributes_failed',
      `Could not register search attributes (${SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}); add them to namespace ${namespace} by hand`,
      { error: err },
    );
  }
}
