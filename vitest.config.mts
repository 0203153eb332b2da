import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC instead of esbuild/oxc: Nest's dependency injection needs `emitDecoratorMetadata`.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      // Tests import the library by its package name, as users do, but run the TypeScript source.
      'nestjs-call-automation/testing': fileURLToPath(
        new URL('./lib/testing/index.ts', import.meta.url),
      ),
      'nestjs-call-automation/terminus': fileURLToPath(
        new URL('./lib/terminus/index.ts', import.meta.url),
      ),
      'nestjs-call-automation': fileURLToPath(new URL('./lib/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
