/** Decoded pixels, row by row, `channels` bytes each (3 = RGB, 1 = grey). */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Luma (ITU-R BT.601 weights) of each pixel, as one grey byte per pixel. */
export function toGrey({ data, width, height, channels }: Pixels): Pixels {
  if (channels === 1) return { data, width, height, channels };
  const grey = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < grey.length; i++, p += channels) {
    grey[i] = channels < 3 ? data[p]! : Math.round(0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!);
  }
  return { data: grey, width, height, channels: 1 };
}
