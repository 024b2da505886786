/** How a call reaches the API: the URL, the token, the JSON, and when a call is tried again. */
import { CommercyError, retryAfter } from "./errors.js";

export const API_PREFIX = "/api/v1";

export type QueryValue = string | number | boolean | Date | null | undefined;
export type Query = Record<string, QueryValue | readonly QueryValue[]>;

/** One HTTP call; `retry` is true only where repeating it is safe (`orders.create`, under its
 * `Idempotency-Key`); `anonymous` calls go without the bearer token. */
export interface Call {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Query | undefined;
  body?: unknown;
  headers?: Record<string, string> | undefined;
  retry?: boolean;
  anonymous?: boolean;
}

/**
 * How `orders.create` is retried (nothing else is): after a network failure, a 429 or a 503, up
 * to `attempts` tries in all, waiting `backoffMs` doubled at each try, or `Retry-After` when the
 * API asks for longer. A wait beyond `maxWaitMs` is not made: the error is thrown instead.
 */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, backoffMs: 500, maxWaitMs: 30_000 };

/** Milliseconds to wait before the try after try number `attempt` (from 0), or null when there
 * is no next try. `askedSeconds` is the API's `Retry-After`. */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  askedSeconds: number | null,
): number | null {
  if (attempt + 1 >= policy.attempts) return null;
  let delay = policy.backoffMs * 2 ** attempt;
  if (askedSeconds !== null) delay = Math.max(delay, askedSeconds * 1000);
  return delay <= policy.maxWaitMs ? delay : null;
}

const RETRIED_STATUSES = new Set([429, 503]);

export interface TransportOptions {
  baseUrl: string;
  token?: string | null | undefined;
  fetch?: typeof fetch | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  timeoutMs?: number | undefined;
  headers?: Record<string, string> | undefined;
}

export class Transport {
  readonly baseUrl: string;
  token: string | null;
  readonly retry: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(options: TransportOptions) {
    this.baseUrl = apiRoot(options.baseUrl);
    this.token = options.token ?? null;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    // Called through a wrapper: a browser's fetch refuses to run with another `this`.
    const platformFetch = options.fetch ?? globalThis.fetch;
    if (typeof platformFetch !== "function") {
      throw new TypeError("commercy-sdk needs fetch (Node 18+ or a browser), or pass `fetch`");
    }
    this.fetchImpl = (input, init) => platformFetch(input, init);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.headers = { ...options.headers };
  }

  /** Makes the call (trying it again when `call.retry` allows); throws `CommercyError` for an
   * error answer and what `fetch` throws for a network failure. */
  async send(call: Call): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.request(call);
      } catch (failure) {
        const delay = call.retry ? retryDelay(this.retry, attempt, null) : null;
        if (delay === null) throw failure;
        await this.sleep(delay);
        continue;
      }
      if (response.ok) return response;
      const delay =
        call.retry && RETRIED_STATUSES.has(response.status)
          ? retryDelay(this.retry, attempt, retryAfter(response))
          : null;
      if (delay === null) throw await CommercyError.fromResponse(response);
      await response.body?.cancel();
      await this.sleep(delay);
    }
  }

  async json<T>(call: Call): Promise<T> {
    return (await (await this.send(call)).json()) as T;
  }

  private request(call: Call): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json, */*", ...this.headers };
    if (this.token && !call.anonymous) headers["Authorization"] = `Bearer ${this.token}`;
    let body: string | undefined;
    if (call.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(call.body);
    }
    Object.assign(headers, call.headers);
    const init: RequestInit = { method: call.method, headers };
    if (body !== undefined) init.body = body;
    if (this.timeoutMs > 0 && typeof AbortSignal.timeout === "function") {
      init.signal = AbortSignal.timeout(this.timeoutMs);
    }
    return this.fetchImpl(this.url(call), init);
  }

  private url(call: Call): string {
    const search = queryString(call.query);
    return `${this.baseUrl}${call.path}${search ? `?${search}` : ""}`;
  }
}

/** The server's address with `/api/v1` (added unless it is already there). */
export function apiRoot(baseUrl: string): string {
  const url = baseUrl.replace(/\/+$/, "");
  return url.endsWith(API_PREFIX) ? url : url + API_PREFIX;
}

/** A query string: null and undefined left out, several values repeated, dates in ISO 8601. */
export function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values as QueryValue[]) {
      if (item === null || item === undefined) continue;
      params.append(name, item instanceof Date ? item.toISOString() : String(item));
    }
  }
  return params.toString();
}

/** A path segment from an id or an order number. */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

/**
 * A new idempotency key: a random (version 4) UUID. `crypto.randomUUID` where there is one;
 * a page served over plain HTTP has only `crypto.getRandomValues`, and Node 18 no global
 * `crypto` at all: the key is then made from `Math.random`, unique enough for a key the API
 * keeps a day.
 */
export function newIdempotencyKey(): string {
  const crypto = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof crypto?.randomUUID === "function") return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === "function") crypto.getRandomValues(bytes);
  else bytes.forEach((_, i) => (bytes[i] = Math.floor(Math.random() * 256)));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
