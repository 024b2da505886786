// Orders through the SDK against a live server: login, the documented order, pages, replays,
// status changes, documents and the CSV export.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Commercy, CommercyError } from "../dist/index.js";
import { documentedOrder, makeShop, PASSWORD, server } from "./support.js";

test("login keeps the token and me names the account", async () => {
  const shop = await makeShop();
  const api = new Commercy({ baseUrl: server.url });
  assert.equal((await api.status()).status, "up");

  const result = await api.auth.login(shop.resellerUser.identifier, PASSWORD);
  const me = await api.auth.me();

  assert.equal(api.token, result.token);
  assert.equal(me.id, result.user.id);
  assert.equal(me.id, shop.resellerUser.id);
  assert.equal(me.role, "reseller");
});

test("Commercy.login with a wrong password is a 401 CommercyError", async () => {
  const shop = await makeShop();
  const login = Commercy.login({
    baseUrl: server.url,
    identifier: shop.resellerUser.identifier,
    password: "not-the-password",
  });
  await assert.rejects(login, (error) => error instanceof CommercyError && error.status === 401);
});

test("the documented order totals its items and paid shipping: 258.48", async () => {
  const shop = await makeShop();
  const api = await shop.resellerClient();

  const created = await api.orders.create(documentedOrder(shop));
  const fetched = await api.orders.get(created.orderNumber);

  assert.equal(created.orderStatus, "pending");
  assert.equal(created.replayed, false);
  assert.equal(created.order.subtotal, 252.48);
  assert.equal(created.order.shippingCost, 6);
  assert.equal(created.order.total, 258.48);
  assert.equal(fetched.id, created.order.id);
  assert.equal(fetched.total, 258.48);
  assert.deepEqual(
    fetched.items.map((item) => item.quantity),
    [1, 2],
  );
  assert.deepEqual(
    fetched.history.map((line) => line.toStatus),
    ["pending"],
  );
});

test("list gives pages and iterate walks every page", async () => {
  const shop = await makeShop();
  const api = await shop.resellerClient();
  const numbers = new Set();
  for (let i = 0; i < 5; i++)
    numbers.add((await api.orders.create(documentedOrder(shop))).orderNumber);

  const first = await api.orders.list({ limit: 2 });
  const last = await api.orders.list({ page: 3, limit: 2, status: ["pending", "confirmed"] });
  const walked = [];
  for await (const order of api.orders.iterate({ limit: 2 })) walked.push(order.orderNumber);
  const none = [];
  for await (const order of api.orders.iterate({ status: "delivered" })) none.push(order);
  const searched = await api.orders.list({
    search: "Ahmed",
    sort: "-total",
    dateFrom: "2000-01-01",
  });

  assert.equal(first.items.length, 2);
  assert.equal(first.pagination.total, 5);
  assert.equal(first.pagination.totalPages, 3);
  assert.equal(first.pagination.hasNext, true);
  assert.equal(last.items.length, 1);
  assert.equal(last.pagination.hasNext, false);
  assert.equal(walked.length, 5);
  assert.deepEqual(new Set(walked), numbers);
  assert.deepEqual(none, []);
  assert.equal(searched.pagination.total, 5);
});

test("the same idempotency key twice makes one order; another body under it is a 422", async () => {
  const shop = await makeShop();
  const api = await shop.resellerClient();
  const body = documentedOrder(shop);
  const key = `js-sdk-test-${shop.reseller.id}`;

  const first = await api.orders.create(body, { idempotencyKey: key });
  const second = await api.orders.create(body, { idempotencyKey: key });
  const other = api.orders.create({ ...body, notes: "autre" }, { idempotencyKey: key });

  await assert.rejects(other, (error) => error instanceof CommercyError && error.status === 422);
  assert.equal(first.replayed, false);
  assert.equal(second.replayed, true);
  assert.equal(second.orderNumber, first.orderNumber);
  assert.deepEqual(second.order, first.order);
  assert.equal((await api.orders.list()).pagination.total, 1);
});

test("status changes, history, PDFs and the CSV export", async () => {
  const shop = await makeShop();
  const api = await shop.resellerClient();
  const created = await api.orders.create(documentedOrder(shop));
  const { orderNumber } = created;
  const orderId = created.order.id;

  const confirmed = await api.orders.setStatus(orderNumber, "confirmed", { note: "Client joint" });
  const shipped = await api.orders.bulkStatus([orderId], "shipped");
  const refused = await api.orders.setStatus(orderId, "pending").catch((error) => error);
  const history = await api.orders.history(orderNumber);
  const invoice = await api.orders.invoicePdf(orderNumber);
  const label = await api.orders.labelPdf(orderId);
  const csv = await api.orders.exportCsv({ status: "shipped" });

  assert.equal(confirmed.status, "confirmed");
  assert.equal(shipped.length, 1);
  assert.equal(shipped[0].id, orderId);
  assert.equal(shipped[0].success, true);
  assert.equal(shipped[0].status, "shipped");
  assert.ok(refused instanceof CommercyError);
  assert.equal(refused.status, 409);
  assert.ok("allowedStatuses" in refused.details);
  assert.equal(history[1].toStatus, "confirmed");
  assert.equal(history[1].note, "Client joint");
  for (const pdf of [invoice, label]) {
    assert.ok(pdf instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(pdf.subarray(0, 4)), "%PDF");
  }
  assert.ok(!csv.startsWith("\uFEFF"));
  assert.ok(csv.includes(orderNumber));
  assert.equal(csv.trim().split(/\r?\n/).length, 2);
});
