// Every operation of the committed schema (src/schema.ts, generated from the server's
// openapi.json) has a method on the client.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Commercy } from "../dist/index.js";

const METHODS = {
  "POST /orders": "orders.create",
  "GET /orders": "orders.list",
  "GET /orders/export.csv": "orders.exportCsv",
  "POST /orders/bulk-status": "orders.bulkStatus",
  "GET /orders/{reference}": "orders.get",
  "GET /orders/{reference}/history": "orders.history",
  "GET /orders/{reference}/invoice.pdf": "orders.invoicePdf",
  "GET /orders/{reference}/label.pdf": "orders.labelPdf",
  "PATCH /orders/{reference}/status": "orders.setStatus",
  "PATCH /orders/{reference}": "orders.update",
  "POST /webhooks/digishare/{integration_id}": "digishare.deliverWebhook",
  "GET /status": "status",
  "POST /auth/login": "auth.login",
  "GET /auth/me": "auth.me",
  "GET /suppliers": "accounts.suppliers.list",
  "POST /suppliers": "accounts.suppliers.create",
  "GET /suppliers/{supplier_id}": "accounts.suppliers.get",
  "PATCH /suppliers/{supplier_id}": "accounts.suppliers.update",
  "GET /resellers": "accounts.resellers.list",
  "POST /resellers": "accounts.resellers.create",
  "GET /resellers/{reseller_id}": "accounts.resellers.get",
  "PATCH /resellers/{reseller_id}": "accounts.resellers.update",
  "GET /users": "accounts.users.list",
  "POST /users": "accounts.users.create",
  "PATCH /users/{user_id}": "accounts.users.update",
  "GET /products": "products.list",
  "POST /products": "products.create",
  "GET /products/{product_id}": "products.get",
  "PATCH /products/{product_id}": "products.update",
  "GET /converty/products": "converty.products.list",
  "POST /converty/products": "converty.products.upsert",
  "GET /converty/product-mappings": "converty.mappings.list",
  "POST /converty/product-mappings": "converty.mappings.create",
  "DELETE /converty/product-mappings/{mapping_id}": "converty.mappings.delete",
  "GET /converty/check-mappings/{reseller_id}": "converty.checkMappings",
  "GET /integrations/digishare": "digishare.getSettings",
  "PUT /integrations/digishare": "digishare.putSettings",
  "POST /integrations/digishare/test": "digishare.testConnection",
  "GET /integrations/digishare/jobs": "digishare.jobs",
  "POST /integrations/digishare/jobs/{job_id}/retry": "digishare.retryJob",
  "GET /integrations/digishare/events": "digishare.events",
  "GET /blocked-phones": "blockedPhones.list",
  "POST /blocked-phones": "blockedPhones.create",
  "DELETE /blocked-phones/{entry_id}": "blockedPhones.delete",
  "GET /stats/orders": "stats.orders",
  "POST /calls/next": "calls.next",
  "POST /orders/{reference}/claim": "calls.claim",
  "DELETE /orders/{reference}/claim": "calls.release",
  "POST /orders/{reference}/calls": "calls.record",
  "GET /orders/{reference}/calls": "calls.list",
  "GET /calls/queue": "calls.queue",
  "GET /stats/calls": "calls.stats",
  "GET /calls/settings": "calls.getSettings",
  "PUT /calls/settings": "calls.putSettings",
};

/** "GET /orders"... for every operation under /api/v1 in the generated `paths` interface: a
 * verb is an operation when its type is `operations[...]` rather than `never`. */
function schemaOperations() {
  const source = readFileSync(new URL("../src/schema.ts", import.meta.url), "utf8");
  const paths = source.slice(
    source.indexOf("export interface paths {"),
    source.indexOf("export type webhooks"),
  );
  const found = new Set();
  const blocks = paths.split(/\n {4}"(\/[^"]*)": \{/).slice(1);
  for (let i = 0; i < blocks.length; i += 2) {
    const path = blocks[i];
    if (!path.startsWith("/api/v1/")) continue;
    for (const [, verb] of blocks[i + 1].matchAll(
      /\n {8}(get|put|post|delete|patch): operations\[/g,
    )) {
      found.add(`${verb.toUpperCase()} ${path.slice("/api/v1".length)}`);
    }
  }
  return found;
}

function resolve(client, dotted) {
  const names = dotted.split(".");
  const last = names.pop();
  const owner = names.reduce((object, name) => object?.[name], client);
  return typeof owner?.[last] === "function" ? owner[last] : undefined;
}

test("every operation of the committed schema has a method", () => {
  const operations = schemaOperations();
  const client = new Commercy({ baseUrl: "http://127.0.0.1:1" });

  assert.ok(operations.size >= 38, `only ${operations.size} operations read from schema.ts`);
  assert.deepEqual([...operations].sort(), Object.keys(METHODS).sort());
  const missing = Object.values(METHODS).filter((method) => !resolve(client, method));
  assert.deepEqual(missing, []);
});
