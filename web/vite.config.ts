/**
 * The web app's build: `vite build web` writes `web/dist`, which the server serves (server/plugins/web.ts).
 * `vite web` is the dev server: it proxies the API and the WebSocket to the platform on :5000.
 * Paths are relative to this folder (the root); the app imports the shared `common/` next to it.
 */
import { defineConfig } from 'vite';

const api = 'http://localhost:5000';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // React Query and React Router mark their modules "use client" (for RSC); harmless in an SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    fs: { allow: ['..'] },
    proxy: {
      '/api': api,
      '/socket.io': { target: api, ws: true },
    },
  },
});
