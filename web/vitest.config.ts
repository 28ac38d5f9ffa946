import react from '@vitejs/plugin-react';
import { defineProject } from 'vitest/config';

// As a project of the root config, this project's root is web/, so paths below are relative to web/
// (the tests are web/src/**/*.test.{ts,tsx}).
export default defineProject({
  plugins: [react()],
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/testing/setup-tests.ts'],
  },
});
