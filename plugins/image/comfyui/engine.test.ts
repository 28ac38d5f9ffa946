import { describe, expect, it } from 'vitest';
import { isNoSpace } from './engine';

describe('isNoSpace', () => {
  it("knows a full disk by Node's code, a cause's code, or the words Node and Python use for it", () => {
    expect(isNoSpace(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe(true);
    expect(isNoSpace(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toBe(true);
    expect(isNoSpace(new Error('could not start ComfyUI', { cause: Object.assign(new Error('x'), { code: 'ENOSPC' }) }))).toBe(true);
    // ComfyUI's own failure to save an image, as the simulator (Node) and ComfyUI (Python) put it.
    expect(isNoSpace({ message: 'Exception: ENOSPC: no space left on device, write' })).toBe(true);
    expect(isNoSpace({ message: "OSError: [Errno 28] No space left on device: '/workspace/comfyui/gpu0/output/x.png'" })).toBe(true);
    expect(isNoSpace({ message: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB' })).toBe(false);
    expect(isNoSpace(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBe(false);
    expect(isNoSpace(undefined)).toBe(false);
  });
});
