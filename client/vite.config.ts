// Vite build of the dashboard: client/ is the root, the bundle goes to client/dist/ (served by `astri serve`
// at /). The dev server proxies /graphql (HTTP and WebSocket) and /images to a running `astri serve`
// (ASTRI_API, default http://127.0.0.1:4000); with ?demo=sample it needs no server at all.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const clientDir = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const api = process.env.ASTRI_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: clientDir,
  base: '/',
  // The shared pure modules (server/metrics, server/random) and the demo data (data/) live outside the root.
  server: {
    fs: { allow: [projectRoot] },
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/images': { target: api, changeOrigin: true },
    },
  },
  preview: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/images': { target: api, changeOrigin: true },
    },
  },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
});
