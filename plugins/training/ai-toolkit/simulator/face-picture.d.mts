export const PORTRAIT_SIDE: number;
export const GENERIC_FACES: ReadonlyArray<{ file: string; cx: number; cy: number; width: number }>;
export function unit(...parts: unknown[]): number;
export function genericPortrait(index: number): Promise<Buffer>;
export function personPortrait(photo: Buffer | string): Promise<Buffer>;
export const PORTRAIT_JPEG_MAX_BASE64: number;
export function portraitJpeg(photo: Buffer, side?: number): Promise<Buffer>;
export function facePicture(options: {
  person: Buffer | null;
  fidelity: number;
  generic: number;
  framing: string;
  grade: string;
  width: number;
  height: number;
  copy?: boolean;
}): Promise<Buffer>;
