// Every resource besides orders answers through the SDK: accounts, products, the Converty
// catalogue and mappings, the Digishare settings, jobs, events and webhook.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CommercyError } from "../dist/index.js";
import { closedPortUrl, makeShop, PASSWORD } from "./support.js";

test("accounts and products answer for an admin", async () => {
  const shop = await makeShop();
  const admin = shop.admin;
  const tag = `${Date.now()}`;

  const supplier = await admin.accounts.suppliers.create({
    name: `Nour ${tag}`,
    email: "n@example.com",
  });
  const reseller = await admin.accounts.resellers.create({
    name: `Dar ${tag}`,
    supplierId: supplier.id,
  });
  const user = await admin.accounts.users.create({
    identifier: `dar-${tag}@example.com`,
    password: PASSWORD,
    role: "reseller",
    resellerId: reseller.id,
  });
  const renamed = await admin.accounts.users.update(user.id, { name: "Dar owner" });
  const updated = await admin.products.update(shop.productIds[0], { stockQuantity: 7 });
  const products = await admin.products.list({ search: "Tapis", limit: 100 });
  const walked = [];
  for await (const product of admin.products.iterate({ search: "Lampe", limit: 1 }))
    walked.push(product.id);

  assert.equal((await admin.accounts.suppliers.get(supplier.id)).name, `Nour ${tag}`);
  assert.equal((await admin.accounts.resellers.get(reseller.id)).supplierId, supplier.id);
  assert.ok((await admin.accounts.suppliers.list({ limit: 1 })).pagination.total >= 2);
  assert.ok((await admin.accounts.resellers.list()).pagination.total >= 2);
  assert.ok((await admin.accounts.users.list({ limit: 100 })).pagination.total >= 3);
  assert.equal(renamed.name, "Dar owner");
  assert.equal(updated.stockQuantity, 7);
  assert.ok("costPrice" in updated);
  assert.ok(products.items.some((p) => p.id === shop.productIds[0]));
  assert.ok(walked.includes(shop.productIds[1]));
});

test("the Converty catalogue, mappings and the Digishare integration answer", async () => {
  const shop = await makeShop();
  const api = await shop.resellerClient();
  const convertyId = 321;

  const upsert = await api.converty.products.upsert([
    { id: convertyId, name: "Produit A", price: 29.9 },
  ]);
  const catalogue = await api.converty.products.list();
  const mapping = await api.converty.mappings.create({
    convertyProductId: convertyId,
    supplierProductId: shop.productIds[0],
  });
  const mappings = await api.converty.mappings.list();
  const check = await api.converty.checkMappings(shop.reseller.id);
  await api.converty.mappings.delete(mapping.id);
  const after = await api.converty.checkMappings(shop.reseller.id);

  assert.equal(upsert.created, 1);
  assert.equal(upsert.updated, 0);
  assert.deepEqual(
    catalogue.items.map((p) => p.id),
    [convertyId],
  );
  assert.deepEqual(
    mappings.map((m) => m.id),
    [mapping.id],
  );
  assert.equal(check.hasMappings, true);
  assert.equal(after.hasMappings, false);

  const saved = await api.digishare.putSettings({
    baseUrl: await closedPortUrl(),
    token: "a-digishare-token-0123456789",
    webhookAuth: { type: "bearer", token: "digishare-calls-us-with-this" },
    enabled: false,
  });
  const read = await api.digishare.getSettings();
  const connection = await api.digishare.testConnection();
  const event = { event: "ticket.updated", data: { id: "unknown-ticket" } };
  const delivered = await api.digishare.deliverWebhook(saved.id, event, {
    headers: { Authorization: "Bearer digishare-calls-us-with-this" },
  });
  const wrongCredential = await api.digishare
    .deliverWebhook(saved.id, event, { headers: {} })
    .catch((error) => error);
  const jobs = await api.digishare.jobs({ state: "failed" });
  const events = await api.digishare.events();
  const noJob = await api.digishare.retryJob(999_999).catch((error) => error);

  assert.equal(saved.tokenSet, true);
  assert.equal(read.id, saved.id);
  assert.equal(connection.status, "unreachable");
  assert.ok(wrongCredential instanceof CommercyError);
  assert.equal(wrongCredential.status, 401);
  assert.equal(jobs.pagination.total, 0);
  assert.equal(events.pagination.total, 1);
  assert.equal(events.items[0].id, delivered.id);
  assert.equal(noJob.status, 404);
});
