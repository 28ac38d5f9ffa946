import { useMutation, useQueryClient } from '@tanstack/react-query';
import { baseModelSchema, type BaseModel, type ModelList } from '../../../../../lib/contracts/models';
import { apiRequest } from '../../../lib/api-client';
import { modelsQueryOptions } from './get-models';

export function provisionModel(id: string) {
  return apiRequest(`/models/${encodeURIComponent(id)}/provision`, baseModelSchema, { method: 'POST' });
}

export function cancelModelDownload(id: string) {
  return apiRequest(`/models/${encodeURIComponent(id)}/cancel`, baseModelSchema, { method: 'POST' });
}

/** The answer is the model's new state: put it in the list at once, so polling starts without waiting. */
function useModelAction(action: (id: string) => Promise<BaseModel>) {
  const queryClient = useQueryClient();
  const { queryKey } = modelsQueryOptions();
  return useMutation({
    mutationFn: action,
    onSuccess: (model) => {
      queryClient.setQueryData<ModelList>(queryKey, (list) =>
        list ? { ...list, items: list.items.map((m) => (m.id === model.id ? model : m)) } : list,
      );
      void queryClient.invalidateQueries({ queryKey });
    },
  });
}

export const useProvisionModel = () => useModelAction(provisionModel);
export const useCancelModelDownload = () => useModelAction(cancelModelDownload);
