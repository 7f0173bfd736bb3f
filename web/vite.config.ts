import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// In `npm run dev` the page's /config.json is the one `bnpl dev` wrote for the running stack.
// BNPL_AMPLIFY_CONFIG points elsewhere; BNPL_WEB_ORIGIN proxies to the stack's web process instead.
const written = process.env.BNPL_AMPLIFY_CONFIG ?? resolve(import.meta.dirname, "../.bnpl/amplify-config.json");
const webOrigin = process.env.BNPL_WEB_ORIGIN;

function localConfig(): Plugin {
  return {
    name: "bnpl-local-config",
    configureServer(server) {
      if (webOrigin) return;
      server.middlewares.use("/config.json", (_req, res) => {
        try {
          const body = readFileSync(written);
          res.setHeader("Content-Type", "application/json");
          res.setHeader("Cache-Control", "no-store");
          res.end(body);
        } catch {
          res.statusCode = 503;
          res.end(`no ${written}: start the stack with \`bnpl dev\` first`);
        }
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), localConfig()],
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    proxy: webOrigin
      ? { "/config.json": { target: webOrigin, changeOrigin: true, secure: true } }
      : undefined,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    // One bundle of Amplify, React and the page; bench/web_bundle.py watches its gzipped size.
    chunkSizeWarningLimit: 1000,
  },
});
