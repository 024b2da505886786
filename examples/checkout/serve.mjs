#!/usr/bin/env node
// Serves the checkout page on its own origin, as a reseller's shop would:
//   /                 index.html
//   /checkout.js      the page's code
//   /config.js        written at start: the API's address, a token, the product on sale
//   /commercy-sdk/*   the SDK's built ES modules (clients/js/dist: `npm run build` there)
// It logs in with the SDK (COMMERCY_IDENTIFIER and COMMERCY_PASSWORD, or COMMERCY_TOKEN) and
// reads the product (COMMERCY_PRODUCT_ID, else the first one) to write config.js.
//
//   COMMERCY_BASE_URL=http://127.0.0.1:8000 COMMERCY_IDENTIFIER=... COMMERCY_PASSWORD=... node serve.mjs
// The API must allow the page's origin: COMMERCY_CORS_ORIGINS=http://127.0.0.1:8080.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { Commercy } from "../../clients/js/dist/index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const sdkDist = fileURLToPath(new URL("../../clients/js/dist/", import.meta.url));
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 8080);
const baseUrl = process.env.COMMERCY_BASE_URL ?? "http://127.0.0.1:8000";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".map": "application/json" };
const PAGE_FILES = {
  "/": "index.html",
  "/index.html": "index.html",
  "/checkout.js": "checkout.js",
};

async function pageConfig() {
  const api = process.env.COMMERCY_TOKEN
    ? new Commercy({ baseUrl, token: process.env.COMMERCY_TOKEN })
    : await Commercy.login({
        baseUrl,
        identifier: process.env.COMMERCY_IDENTIFIER ?? "",
        password: process.env.COMMERCY_PASSWORD ?? "",
      });
  const productId = Number(process.env.COMMERCY_PRODUCT_ID ?? 0);
  const product = productId
    ? await api.products.get(productId)
    : (await api.products.list({ limit: 1 })).items[0];
  if (!product) throw new Error("no product to sell: create one first (as a supplier)");
  const config = {
    baseUrl,
    token: api.token,
    product: { id: product.id, name: product.name, price: product.price },
  };
  return `export default ${JSON.stringify(config, null, 2)};\n`;
}

/** The file a path names, or null: only the page's files and the SDK's build are served. */
function fileFor(path) {
  if (PAGE_FILES[path]) return here + PAGE_FILES[path];
  if (!path.startsWith("/commercy-sdk/")) return null;
  const file = normalize(sdkDist + decodeURIComponent(path.slice("/commercy-sdk/".length)));
  return file.startsWith(sdkDist) ? file : null; // no way out of the build with ../
}

const configJs = await pageConfig();
const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? "/", "http://page").pathname;
  try {
    if (path === "/config.js") {
      response.writeHead(200, { "Content-Type": TYPES[".js"], "Cache-Control": "no-store" });
      response.end(configJs);
      return;
    }
    const file = fileFor(path);
    if (file === null) throw Object.assign(new Error("not found"), { code: "ENOENT" });
    const body = await readFile(file);
    response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(body);
  } catch (error) {
    const missing = error.code === "ENOENT" || error.code === "EISDIR";
    response.writeHead(missing ? 404 : 500, { "Content-Type": "text/plain" });
    response.end(missing ? "Not found" : "Server error");
  }
});
server.listen(port, host, () => {
  const origin = `http://${host}:${server.address().port}`;
  console.log(
    `Checkout page on ${origin}/ (the API must allow it: COMMERCY_CORS_ORIGINS=${origin})`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => server.close(() => process.exit(0)));
