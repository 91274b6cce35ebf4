// Vite build of the viewer page into dist/, which `dias serve` serves at `/`. Relative asset paths (base './') so
// the page works under any mount point; `vite dev` proxies /api to a `dias serve` on the default port.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  plugins: [preact()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8765' } },
});
