import { request } from 'undici';
import type { Config } from '../../lib/config';
import { internalToken } from '../../lib/internal-token';
import { CORRELATION_HEADER, currentCorrelationId } from '../../lib/logger/correlation';

export interface ReportAnswer {
  ok: boolean;
  status: number;
  text: string;
}

/**
 * POSTs a JSON report to the control plane's internal API (`path` under CONTROL_PLANE_URL, with the internal token)
 * and reads its answer: the one channel besides Temporal between a GPU worker and the control plane (progress of
 * jobs, the worker's own status). The current correlation id goes along, so the control plane logs under it.
 * Throws when the control plane cannot be reached or does not answer within `timeoutMs`.
 */
export async function postReport(config: Config, path: string, body: unknown, timeoutMs: number): Promise<ReportAnswer> {
  const correlationId = currentCorrelationId();
  const response = await request(`${config.controlPlaneUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${internalToken(config)}`,
      ...(correlationId ? { [CORRELATION_HEADER]: correlationId } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.body.text();
  return { ok: response.statusCode >= 200 && response.statusCode < 300, status: response.statusCode, text };
}
