import { describe, expect, it } from 'vitest';
import { newSubmission, outcomeOf, submittedFor, type HistoryEntry } from './client';

const entry = (promptId: string, clientId: string, messages: HistoryEntry['status']['messages']): HistoryEntry => ({
  prompt: [3, promptId, {}, { client_id: clientId, extra_pnginfo: {} }, ['11']],
  outputs: {},
  status: { status_str: 'error', completed: false, messages },
});

describe('one submission per attempt', () => {
  it('gives every submission its own prompt id and client id', () => {
    const a = newSubmission('gen-1');
    const b = newSubmission('gen-1');
    expect(a.promptId).toMatch(/^gen-1-[0-9a-f-]{36}$/);
    expect(b.promptId).not.toBe(a.promptId);
    expect(a.clientId).toBe(`isengard-${a.promptId}`);
  });

  it("takes a history entry only for the submission it records, never an earlier one's under the same id", () => {
    const earlier = entry('p', 'isengard-first', [['execution_error', { node_type: 'KSampler' }]]);
    expect(submittedFor(earlier, 'p', 'isengard-first')).toBe(true);
    expect(submittedFor(earlier, 'p', 'isengard-second')).toBe(false);
    expect(submittedFor(earlier, 'q', 'isengard-first')).toBe(false);
    expect(submittedFor({ outputs: {}, status: earlier.status }, 'p', 'isengard-first')).toBe(false);
  });
});

describe('how a prompt ended, from its history', () => {
  it("gives an error's node, exception and the node's literal inputs", () => {
    const failed = entry('p', 'c', [
      ['execution_start', { prompt_id: 'p' }],
      [
        'execution_error',
        {
          prompt_id: 'p',
          node_id: '4',
          node_type: 'LoraLoader',
          exception_type: 'safetensors._safetensors_rust.SafetensorError',
          exception_message: 'Error while deserializing header: header too large\n',
          current_inputs: { lora_name: ['c/ada-v1.safetensors'], strength_model: ['1.0'] },
        },
      ],
    ]);
    expect(outcomeOf(failed)).toEqual({
      kind: 'error',
      nodeId: '4',
      nodeType: 'LoraLoader',
      exceptionType: 'safetensors._safetensors_rust.SafetensorError',
      message: 'Error while deserializing header: header too large',
      inputs: { lora_name: 'c/ada-v1.safetensors', strength_model: '1.0' },
    });
  });
});
