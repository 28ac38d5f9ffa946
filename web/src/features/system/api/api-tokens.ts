import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiTokenListSchema, createdApiTokenSchema, type TokenInput } from '../../../../../lib/contracts/auth';
import { webhookEndpointSchema, type WebhookInput } from '../../../../../lib/contracts/webhooks';
import { apiRequest, apiSend } from '../../../lib/api-client';
import { systemKeys } from './system-keys';

const tokenPath = (id: string) => `/auth/tokens/${encodeURIComponent(id)}`;

/** The API tokens not revoked, newest first (browser session only: a token cannot list tokens). */
export function useApiTokens() {
  return useQuery({
    queryKey: systemKeys.apiTokens(),
    queryFn: ({ signal }) => apiRequest('/auth/tokens', apiTokenListSchema, { signal }),
  });
}

/** Answers the new token with its secret: the only time the API shows it. */
export function useCreateApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: TokenInput) => apiRequest('/auth/tokens', createdApiTokenSchema, { method: 'POST', body: input }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: systemKeys.apiTokens() }),
  });
}

export function useRevokeApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(tokenPath(id), { method: 'DELETE' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: systemKeys.apiTokens() }),
  });
}

/** Sets or changes a token's webhook; without a secret the stored one stays. */
export function useSetTokenWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string; input: WebhookInput }) =>
      apiRequest(`${tokenPath(id)}/webhook`, webhookEndpointSchema, { method: 'PUT', body: input }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: systemKeys.apiTokens() }),
  });
}

export function useRemoveTokenWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`${tokenPath(id)}/webhook`, { method: 'DELETE' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: systemKeys.apiTokens() }),
  });
}
