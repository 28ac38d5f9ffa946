import { useMutation, useQueryClient } from '@tanstack/react-query';
import { selfTestSchema, type CreateSelfTestInput } from '../../../../../lib/contracts/self-tests';
import { apiRequest } from '../../../lib/api-client';
import { selfTestQueryOptions } from './get-self-test';

export function createSelfTest(input: CreateSelfTestInput = {}) {
  return apiRequest('/self-tests', selfTestSchema, { method: 'POST', body: input });
}

export function useCreateSelfTest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSelfTest,
    onSuccess: (selfTest) => {
      queryClient.setQueryData(selfTestQueryOptions(selfTest.id).queryKey, selfTest);
    },
  });
}
