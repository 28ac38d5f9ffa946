import { queryKeyRoots } from '../../../lib/query-client';

export const systemKeys = {
  all: [queryKeyRoots.system] as const,
  health: () => [...systemKeys.all, 'health'] as const,
  capabilities: () => [...systemKeys.all, 'capabilities'] as const,
  selfTest: (id: string) => [...systemKeys.all, 'self-test', id] as const,
  webhookSettings: () => [...systemKeys.all, 'webhook-settings'] as const,
  webhookDeliveries: () => [...systemKeys.all, 'webhook-deliveries'] as const,
  apiTokens: () => [...systemKeys.all, 'api-tokens'] as const,
};
