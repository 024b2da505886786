// Errors and retries: field errors of a 400, a 404, a 429 from the rate limits of a live server,
// network failures and 503s; only orders.create is ever retried.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Commercy, CommercyError } from "../dist/index.js";
import {
  closedPortUrl,
  documentedOrder,
  makeShop,
  PASSWORD,
  recordingSleep,
  server,
} from "./support.js";

async function caught(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the call did not fail");
}

test("a 400 carries every field error and is not retried", async () => {
  const shop = await makeShop();
  const { waits, sleep } = recordingSleep();
  const api = await shop.resellerClient({ sleep });

  const error = await caught(
    api.orders.create({
      customerName: "Ahmed",
      products: [{ productId: shop.productIds[0], quantity: 2 }],
    }),
  );

  assert.ok(error instanceof CommercyError);
  assert.equal(error.status, 400);
  assert.equal(error.error, "Validation error");
  assert.deepEqual(
    error.fieldErrors.map((e) => e.field),
    ["customerPhone", "products.0.price", "products.0.notes"],
  );
  assert.equal(error.details.field, "customerPhone");
  assert.ok(error.requestId);
  assert.equal(error.retryAfter, null);
  assert.match(String(error), /customerPhone/);
  assert.deepEqual(waits, []);
});

test("a 404 is a CommercyError with the request id", async () => {
  const shop = await makeShop();
  const api = await shop.resellerClient();

  const order = await caught(api.orders.get("ORD-1-999999"));
  const product = await caught(api.products.get(999_999));

  assert.equal(order.status, 404);
  assert.equal(product.status, 404);
  assert.ok(order.requestId);
});

/** Reads until one is refused, so that what follows starts on an empty budget. */
async function spendTheBudget(api) {
  for (let i = 0; i < 10; i++) {
    const error = await api.auth.me().then(
      () => null,
      (failure) => failure,
    );
    if (error === null) continue;
    if (error.status !== 429) throw error;
    return error;
  }
  assert.fail("no read was refused");
}

test("a 429 gives retryAfter; create retries after it and then gives up", async () => {
  const shop = await makeShop();
  const { waits, sleep } = recordingSleep();
  const api = await Commercy.login({
    baseUrl: server.limitedUrl, // 3 calls a minute per user
    identifier: shop.resellerUser.identifier,
    password: PASSWORD,
    sleep,
    retry: { attempts: 3, backoffMs: 500, maxWaitMs: 120_000 },
  });

  const refused = await spendTheBudget(api);
  assert.deepEqual(waits, []); // reads are not retried
  const create = await caught(api.orders.create(documentedOrder(shop)));

  assert.equal(refused.status, 429);
  assert.ok(refused.retryAfter > 0 && refused.retryAfter <= 60, `retryAfter ${refused.retryAfter}`);
  assert.ok(create instanceof CommercyError);
  assert.equal(create.status, 429);
  assert.equal(waits.length, 2);
  for (const wait of waits) assert.ok(wait >= (refused.retryAfter - 1) * 1000, `waited ${wait} ms`);
  const reseller = await shop.resellerClient();
  assert.equal((await reseller.orders.list()).pagination.total, 0);
});

test("a create refused with 429 succeeds after waiting Retry-After", async () => {
  const shop = await makeShop();
  const waits = [];
  const api = await Commercy.login({
    baseUrl: server.throttledUrl, // 2 calls a second per user
    identifier: shop.resellerUser.identifier,
    password: PASSWORD,
    sleep: (ms) => {
      waits.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
  });

  await spendTheBudget(api);
  const created = await api.orders.create(documentedOrder(shop));

  assert.equal(waits.length, 1);
  assert.ok(waits[0] >= 500 && waits[0] <= 2000, `waited ${waits[0]} ms`);
  assert.equal(created.replayed, false);
  const reseller = await shop.resellerClient();
  const numbers = [];
  for await (const order of reseller.orders.iterate()) numbers.push(order.orderNumber);
  assert.deepEqual(numbers, [created.orderNumber]);
});

test("a wait longer than maxWaitMs is not made", async () => {
  const { retryDelay } = await import("../dist/index.js");
  const policy = { attempts: 5, backoffMs: 1000, maxWaitMs: 10_000 };

  assert.deepEqual(
    [0, 1, 2, 3, 4].map((n) => retryDelay(policy, n, null)),
    [1000, 2000, 4000, 8000, null],
  );
  assert.equal(retryDelay(policy, 0, 30), null);
  assert.equal(retryDelay(policy, 0, 3), 3000);
});

test("network failures retry creates only", async () => {
  const { waits, sleep } = recordingSleep();
  const api = new Commercy({
    baseUrl: await closedPortUrl(),
    token: "t",
    sleep,
    retry: { attempts: 3, backoffMs: 250 },
  });

  await assert.rejects(api.orders.create({ customerPhone: "20 123 456", products: [] }), TypeError);
  assert.deepEqual(waits, [250, 500]);
  await assert.rejects(api.orders.get(1), TypeError);
  assert.deepEqual(waits, [250, 500]);
});

/** The platform's fetch, answering `statuses` first, one per call, then the server's answers;
 * records every call's Idempotency-Key. */
function fetchAnswering(statuses) {
  const keys = [];
  const queue = [...statuses];
  const fake = async (input, init) => {
    keys.push(new Headers(init.headers).get("Idempotency-Key"));
    const status = queue.shift();
    if (status === undefined) return fetch(input, init);
    const body = JSON.stringify({ success: false, error: "Busy", message: "Try again" });
    return new Response(body, {
      status,
      headers: { "Retry-After": "1", "Content-Type": "application/json" },
    });
  };
  return { keys, fetch: fake };
}

test("a 503 is retried under the same idempotency key; the order is made once", async () => {
  const shop = await makeShop();
  const { waits, sleep } = recordingSleep();
  const answering = fetchAnswering([503, 503]);
  const { token } = await shop.resellerClient();
  const api = new Commercy({ baseUrl: server.url, token, sleep, fetch: answering.fetch });

  const created = await api.orders.create(documentedOrder(shop));

  assert.equal(created.order.total, 258.48);
  assert.deepEqual(waits, [1000, 1000]);
  assert.equal(answering.keys.length, 3);
  assert.equal(new Set(answering.keys).size, 1);
  assert.ok(answering.keys[0]);
  assert.equal((await api.orders.list()).pagination.total, 1);
});

test("a 500 is not retried, nor a 503 on anything but create", async () => {
  const shop = await makeShop();
  const { waits, sleep } = recordingSleep();
  const answering = fetchAnswering([500, 503]);
  const api = new Commercy({ baseUrl: server.url, sleep, fetch: answering.fetch });

  const failed = await caught(api.orders.create(documentedOrder(shop)));
  const busy = await caught(api.status());

  assert.equal(failed.status, 500);
  assert.equal(busy.status, 503);
  assert.equal(busy.retryAfter, 1);
  assert.deepEqual(waits, []);
});
