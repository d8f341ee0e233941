// Builds the console into dist/ (served by the API at `/`): hashed file names under assets/,
// no inline script (the API's Content-Security-Policy allows scripts from its own origin only).
// Vitest runs the console's own logic (src/**/*.test.ts).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, modulePreload: { polyfill: false } },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
