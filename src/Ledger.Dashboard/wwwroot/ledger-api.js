// The ledger's public HTTP API as the dashboard uses it: one credential per session, problem documents
// surfaced as errors with their stable code, and writes that resend the same Idempotency-Key when retried,
// so a retry can never post twice.

/** A refusal or failure of the ledger: the problem document's code, status and field. */
export class LedgerProblem extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'LedgerProblem';
    this.status = status;
    this.code = problem.code || (status === 0 ? 'network_error' : `http_${status}`);
    this.field = problem.field;
  }

  /** True when the request may not have been decided: the same request may be sent again with the same key. */
  get undecided() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** A fresh idempotency key: 128 random bits (getRandomValues works outside secure contexts too). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'dash-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Amounts and balances are 64-bit: numbers past 2^53 are kept exact as BigInt instead of being rounded. */
export function parseLedgerJson(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value);
}

const AUTOMATIC_RETRIES = 2;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class LedgerApi {
  /** @param {{baseUrl: string, kind: 'key'|'token', secret: string, functionsKey?: string}} session */
  constructor(session) {
    this.baseUrl = session.baseUrl.replace(/\/+$/, '');
    this.kind = session.kind;
    this.secret = session.secret;
    // The Functions app in Azure also wants its function key on every call; the local host needs none.
    this.functionsKey = session.functionsKey || '';
  }

  // Reads.
  consumers() { return this.send('GET', '/status/consumers'); }
  accountsOf(ownerId, continuation) { return this.send('GET', '/accounts', { query: { owner_id: ownerId, continuation } }); }
  account(accountId) { return this.send('GET', `/accounts/${encodeURIComponent(accountId)}`); }
  entries(accountId, cursor, limit) { return this.send('GET', `/accounts/${encodeURIComponent(accountId)}/entries`, { query: { cursor, limit } }); }
  transfer(transferId) { return this.send('GET', `/transfers/${encodeURIComponent(transferId)}`); }
  exportStatus(exportId) { return this.send('GET', `/exports/${encodeURIComponent(exportId)}`); }
  exportFile(exportId) { return this.send('GET', `/exports/${encodeURIComponent(exportId)}/file`, { asBlob: true }); }

  // Keyed writes: the caller owns the key, so a resubmission after a failure can reuse it.
  openAccount(body, key) { return this.send('POST', '/accounts', { body, key }); }
  mint(body, key) { return this.send('POST', '/transactions', { body: { kind: 'mint', ...body }, key }); }
  startTransfer(body, key) { return this.send('POST', '/transfers', { body, key }); }
  refundTransfer(transferId, body, key) { return this.send('POST', `/transfers/${encodeURIComponent(transferId)}/refunds`, { body, key }); }
  refundMint(transactionId, body, key) { return this.send('POST', `/transactions/${encodeURIComponent(transactionId)}/refunds`, { body, key }); }
  requestExport(body, key) { return this.send('POST', '/exports', { body, key }); }

  /** Sends one request; undecided failures of reads and keyed writes are retried a little, with the same key. */
  async send(method, path, { query, body, key, asBlob } = {}) {
    const url = this.urlOf(path, query);
    const init = { method, headers: this.headersOf(key, body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(url, init, asBlob);
      } catch (error) {
        const retryable = error instanceof LedgerProblem && error.undecided && (method === 'GET' || key);
        if (!retryable || attempt >= AUTOMATIC_RETRIES) throw error;
        await pause(error.retryAfterMs ?? 400 * (attempt + 1));
      }
    }
  }

  urlOf(path, query) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
    }
    const text = search.toString();
    return this.baseUrl + path + (text ? '?' + text : '');
  }

  headersOf(key, hasBody) {
    const headers = { Accept: 'application/json' };
    if (this.kind === 'token') headers.Authorization = `Bearer ${this.secret}`;
    else headers['X-Api-Key'] = this.secret;
    if (this.functionsKey) headers['x-functions-key'] = this.functionsKey;
    if (key) headers['Idempotency-Key'] = key;
    if (hasBody) headers['Content-Type'] = 'application/json';
    return headers;
  }

  async once(url, init, asBlob) {
    let response;
    try {
      response = await fetch(url, init);
    } catch (failure) {
      throw new LedgerProblem(0, { detail: `The ledger did not answer (${failure.message}).` });
    }
    if (response.ok) {
      if (asBlob) return response.blob();
      const text = await response.text();
      return text ? parseLedgerJson(text) : {};
    }
    const text = await response.text();
    let problem = {};
    try { problem = text ? JSON.parse(text) : {}; } catch { problem = { detail: text }; }
    const error = new LedgerProblem(response.status, problem);
    const retryAfter = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) error.retryAfterMs = Math.min(retryAfter, 5) * 1000;
    throw error;
  }
}
