import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { webhookDeliveryListSchema, webhookSettingsSchema, type WebhookInput } from '../../../../../lib/contracts/webhooks';
import { apiRequest, apiSend } from '../../../lib/api-client';
import { systemKeys } from './system-keys';

/** The delivery log refreshes while the page is open: a retried delivery changes on its own. */
const DELIVERY_LOG_REFRESH_MS = 5_000;

export function useWebhookSettings() {
  return useQuery({
    queryKey: systemKeys.webhookSettings(),
    queryFn: ({ signal }) => apiRequest('/webhooks/settings', webhookSettingsSchema, { signal }),
  });
}

export function useSetWebhookSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: WebhookInput) => apiRequest('/webhooks/settings', webhookSettingsSchema, { method: 'PUT', body: input }),
    onSuccess: (settings) => queryClient.setQueryData(systemKeys.webhookSettings(), settings),
  });
}

export function useRemoveWebhookSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiSend('/webhooks/settings', { method: 'DELETE' }),
    onSuccess: () => queryClient.setQueryData(systemKeys.webhookSettings(), { webhook: null }),
  });
}

export function useWebhookDeliveries() {
  return useQuery({
    queryKey: systemKeys.webhookDeliveries(),
    queryFn: ({ signal }) => apiRequest('/webhooks/deliveries', webhookDeliveryListSchema, { signal }),
    refetchInterval: DELIVERY_LOG_REFRESH_MS,
  });
}

export function useRedeliverWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/webhooks/deliveries/${encodeURIComponent(id)}/redeliver`, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: systemKeys.webhookDeliveries() }),
  });
}
