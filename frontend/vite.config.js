// Vite build and dev server for the viewer's web app; Vitest reads its `test` block.
import { fileURLToPath, URL } from "node:url";
import { defineConfig } from "vite";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  // Django serves dist/index.html for every app path and whitenoise serves dist/ at the site root.
  base: "/",
  resolve: {
    alias: {
      // The activity contract is one JSON Schema file shared by the API, Kafka and this app.
      "@activity-schema": fileURLToPath(new URL("../activity/schema", import.meta.url)),
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    host: "127.0.0.1",
    fs: { allow: [repoRoot] },
    proxy: {
      "/api": { target: "http://127.0.0.1:8002", changeOrigin: false },
    },
  },
  preview: { port: 4173, strictPort: true },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.js"],
    watch: false,
  },
});
