/** Types for heic-decode 2 (libheif compiled to WebAssembly), which ships none. */
declare module 'heic-decode' {
  interface DecodedHeic {
    width: number;
    height: number;
    /** RGBA, 4 bytes per pixel. */
    data: Uint8ClampedArray;
  }
  interface HeicImage {
    width: number;
    height: number;
    decode(): Promise<DecodedHeic>;
  }
  export interface HeicDecode {
    (input: { buffer: Uint8Array }): Promise<DecodedHeic>;
    /** Every top-level image with its size, decoded only on request; call `dispose()` when done. */
    all(input: { buffer: Uint8Array }): Promise<HeicImage[] & { dispose(): void }>;
  }
  const decode: HeicDecode;
  export default decode;
}

/** heic-decode's decoders bound to a libheif instance of the caller's (the package's own index binds a shared one). */
declare module 'heic-decode/lib.js' {
  import type { HeicDecode } from 'heic-decode';
  function bind(libheif: unknown): { one: HeicDecode; all: HeicDecode['all'] };
  export default bind;
}

/** libheif-js's WebAssembly bundle: each call makes a new libheif instance, with its own memory. */
declare module 'libheif-js/libheif-wasm/libheif-bundle.js' {
  function createLibheif(): unknown;
  export default createLibheif;
}
