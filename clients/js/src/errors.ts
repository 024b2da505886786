/** The one error the SDK throws for an answer of the API that is not a success. */

/** One bad field of a 400 (`details.errors`). */
export interface FieldError {
  field: string;
  message: string;
  [key: string]: unknown;
}

export interface CommercyErrorInit {
  status: number;
  error: string;
  message: string;
  details?: Record<string, unknown> | null;
  requestId?: string | null;
  retryAfter?: number | null;
}

/**
 * The API refused or failed a call (any 4xx or 5xx answer).
 *
 * - `status`: the HTTP status (400, 401, 403, 404, 409, 422, 429, 503...);
 * - `error`: the API's short error name (`"Validation error"`, `"Not found"`...);
 * - `message`: the API's sentence for a human;
 * - `details`: the API's `details` object as sent: for a 400 `field`, `message` and `errors`
 *   (every bad field, also as `fieldErrors`); for a refused status change `currentStatus` and
 *   `allowedStatuses`;
 * - `requestId`: the answer's `X-Request-ID`, to quote when reporting a problem;
 * - `retryAfter`: seconds the API asks to wait (`Retry-After`) on a 429 or 503, else null.
 *
 * Network failures are not turned into this error: they stay what `fetch` throws.
 */
export class CommercyError extends Error {
  readonly status: number;
  readonly error: string;
  readonly details: Record<string, unknown>;
  readonly requestId: string | null;
  readonly retryAfter: number | null;

  constructor(init: CommercyErrorInit) {
    super(init.message);
    this.name = "CommercyError";
    this.status = init.status;
    this.error = init.error;
    this.details = init.details ?? {};
    this.requestId = init.requestId ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }

  /** Every field error of a 400, each with `field` and `message`; empty for other errors. */
  get fieldErrors(): FieldError[] {
    const errors = this.details["errors"];
    return Array.isArray(errors) ? (errors as FieldError[]) : [];
  }

  override toString(): string {
    const text = `${this.name}: ${this.status} ${this.error}: ${this.message}`;
    const fields = this.fieldErrors.map((e) => `${e.field}: ${e.message}`).join("; ");
    return fields ? `${text} (${fields})` : text;
  }

  /** Reads the API's error format; an answer in another shape (a proxy's HTML page) still
   * gives its status and the start of its text. */
  static async fromResponse(response: Response): Promise<CommercyError> {
    const text = await response.text().catch(() => "");
    const body = jsonObject(text);
    const details = body["details"];
    return new CommercyError({
      status: response.status,
      error: stringOr(body["error"], response.statusText || "HTTP error"),
      message: stringOr(body["message"], text.slice(0, 200)),
      details: isObject(details) ? details : null,
      requestId: response.headers.get("X-Request-ID"),
      retryAfter: retryAfter(response),
    });
  }
}

/** `Retry-After` of a 429 or 503 in seconds (the header is a number or an HTTP date). */
export function retryAfter(response: Response): number | null {
  if (response.status !== 429 && response.status !== 503) return null;
  const raw = response.headers.get("Retry-After");
  if (raw === null || raw.trim() === "") return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(seconds, 0);
  const moment = Date.parse(raw);
  return Number.isNaN(moment) ? null : Math.max((moment - Date.now()) / 1000, 0);
}

function jsonObject(text: string): Record<string, unknown> {
  try {
    const body: unknown = JSON.parse(text);
    return isObject(body) ? body : {};
  } catch {
    return {};
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}
