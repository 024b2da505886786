// Idempotency keys: random version 4 UUIDs, also where crypto.randomUUID is missing (a page
// served over plain HTTP, Node 18).
import assert from "node:assert/strict";
import { test } from "node:test";
import { newIdempotencyKey } from "../dist/index.js";

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function withCrypto(value, run) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { value, configurable: true });
  try {
    return run();
  } finally {
    Object.defineProperty(globalThis, "crypto", saved);
  }
}

test("a key is a random UUID, with or without crypto.randomUUID", () => {
  const { getRandomValues } = globalThis.crypto;
  const keys = [
    newIdempotencyKey(),
    newIdempotencyKey(),
    ...withCrypto({ getRandomValues: getRandomValues.bind(globalThis.crypto) }, () => [
      newIdempotencyKey(),
      newIdempotencyKey(),
    ]),
    ...withCrypto(undefined, () => [newIdempotencyKey(), newIdempotencyKey()]),
  ];

  for (const key of keys) assert.match(key, UUID4);
  assert.equal(new Set(keys).size, keys.length);
});
