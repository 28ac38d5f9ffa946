import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: webRoot,
  // Keep Vite's cache in the repository's node_modules instead of creating web/node_modules.
  cacheDir: `${repoRoot}node_modules/.vite/web`,
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000' },
    },
    fs: {
      // The web app imports the shared zod contracts from ../lib/contracts (and its fonts from node_modules).
      allow: [webRoot, `${repoRoot}lib/contracts`, `${repoRoot}node_modules`],
    },
  },
});
