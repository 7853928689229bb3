// The dashboard's entry point: signing in and out, and the panels that read the ledger (accounts, the
// selected account's figures, chart and history, transfers and holds, consumer lag). The forms that write
// are in operations.js. Everything goes through the public HTTP API with the signed-in credential.

import { LedgerApi } from './ledger-api.js';
import { drawBalanceChart } from './balance-chart.js';
import { $, amount, instant, cell, row, badge, button, report, describe } from './views.js';
import { wireOperations, selectAccountInForms, fillRefund } from './operations.js';

const SESSION_STORAGE_KEY = 'ledger-dashboard-session';
const CHART_PAGES = 4;
const CHART_PAGE_SIZE = 200;
const TRANSFERS_SHOWN = 20;
const CONSUMER_REFRESH_MS = 10000;

const state = {
  api: null,
  owner: null,
  accountsContinuation: null,
  accountId: null,
  historyCursors: [],
  historyNext: null,
  historyRequest: 0,
  accountGeneration: 0,
  transferIds: new Set(),
  startedHere: new Set(),
  consumerTimer: null,
};

// ---- session ----

function restoreSession() {
  const saved = sessionStorage.getItem(SESSION_STORAGE_KEY);
  return saved ? JSON.parse(saved) : null;
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const session = { kind: form.kind.value, secret: form.secret.value.trim(), baseUrl: form.base_url.value.trim(), functionsKey: form.functions_key.value.trim() };
  report(form.result, 'Checking the credential…', 'busy');
  try {
    await enter(session);
    sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    form.reset();
    form.base_url.value = location.origin;
    report(form.result, '');
  } catch (error) {
    report(form.result, describe(error), 'error');
  }
}

/** Opens the workspace when the ledger accepts the credential (a 403 still names a valid one). */
async function enter(session) {
  const api = new LedgerApi(session);
  let scope = '';
  try {
    scope = (await api.consumers()).scope ?? '';
  } catch (error) {
    if (error.status !== 403) throw error;
  }
  state.api = api;
  $('#who-app').textContent = scope || 'this credential';
  $('#who-url').textContent = api.baseUrl;
  $('#who').hidden = false;
  $('#sign-out').hidden = false;
  $('#sign-in').hidden = true;
  $('#workspace').hidden = false;
  refreshConsumers();
  state.consumerTimer = setInterval(refreshConsumers, CONSUMER_REFRESH_MS);
}

function signOut() {
  sessionStorage.removeItem(SESSION_STORAGE_KEY);
  location.reload();
}

// ---- accounts by owner ----

async function showOwner(event) {
  event.preventDefault();
  state.owner = event.currentTarget.owner_id.value.trim();
  state.accountsContinuation = null;
  $('#accounts-table tbody').replaceChildren();
  await loadAccounts();
}

async function loadAccounts() {
  const output = $('#accounts-result');
  try {
    const page = await state.api.accountsOf(state.owner, state.accountsContinuation);
    for (const account of page.accounts) $('#accounts-table tbody').append(accountRow(account));
    state.accountsContinuation = page.continuation ?? null;
    $('#accounts-more').hidden = !state.accountsContinuation;
    const count = $('#accounts-table tbody').children.length;
    report(output, count === 0 ? `No accounts for ${state.owner}.` : '');
    if (!state.accountId && page.accounts.length > 0) await selectAccount(page.accounts[0].account_id);
  } catch (error) {
    report(output, describe(error), 'error');
  }
}

function accountRow(account) {
  const open = button(account.account_id, () => selectAccount(account.account_id));
  return row([
    cell(open), cell(badge(account.status)), cell(amount(account.balance), 'num'),
    cell(amount(account.pending), 'num'), cell(amount(account.available), 'num'),
  ], { accountId: account.account_id });
}

// ---- the selected account ----

export async function selectAccount(accountId) {
  state.accountId = accountId;
  state.historyCursors = [];
  state.transferIds = new Set(state.startedHere);
  $('#account-name').textContent = accountId;
  selectAccountInForms(accountId);
  markSelectedAccount();
  await refreshAccount();
}

/** Reloads everything shown for the selected account: after a write, the figures, chart and lists change. */
export async function refreshAccount() {
  if (!state.accountId) return;
  // A later refresh (another account, another write) supersedes this one: its answers are then dropped.
  const generation = ++state.accountGeneration;
  const current = () => generation === state.accountGeneration;
  await Promise.all([loadFigures(current), loadChartAndTransfers(current), loadHistory(state.historyCursors.at(-1))]);
}

async function loadFigures(current) {
  try {
    const account = await state.api.account(state.accountId);
    if (!current()) return;
    $('#figure-balance').textContent = amount(account.balance);
    $('#figure-pending').textContent = amount(account.pending);
    $('#figure-available').textContent = amount(account.available);
    $('#account-meta').textContent = `Owner ${account.owner_id} · ${account.status} · floor ${amount(account.floor)} · opened ${instant(account.created_at)}`;
    const listed = document.querySelector(`#accounts-table tbody tr[data-account-id="${CSS.escape(account.account_id)}"]`);
    if (listed) {
      listed.replaceWith(accountRow(account));
      markSelectedAccount();
    }
  } catch (error) {
    if (current()) $('#account-meta').textContent = describe(error);
  }
}

function markSelectedAccount() {
  for (const tr of document.querySelectorAll('#accounts-table tbody tr')) tr.classList.toggle('selected', tr.dataset.accountId === state.accountId);
}

/** The chart reads the newest entries (a few pages); the transfers they name feed the transfers panel. */
async function loadChartAndTransfers(current) {
  const entries = [];
  let cursor;
  let more = false;
  try {
    for (let page = 0; page < CHART_PAGES; page++) {
      const answer = await state.api.entries(state.accountId, cursor, CHART_PAGE_SIZE);
      entries.push(...answer.entries);
      cursor = answer.next_cursor;
      more = Boolean(cursor);
      if (!more) break;
    }
  } catch (error) {
    if (current()) $('#chart-note').textContent = describe(error);
    return;
  }
  if (!current()) return;
  const ascending = entries.reverse();
  const points = ascending.map((entry) => ({ time: new Date(entry.posted_at), balance: Number(entry.balance_after) }));
  const first = ascending[0];
  drawBalanceChart($('#balance-chart'), points, first ? Number(first.balance_after) - Number(first.amount) : 0);
  $('#chart-note').textContent = more ? `The newest ${entries.length} entries.` : `${entries.length} entries.`;
  for (const entry of ascending.slice().reverse()) if (entry.transfer_id) state.transferIds.add(entry.transfer_id);
  await loadTransfers();
}

// ---- history with paging ----

async function loadHistory(cursor) {
  const limit = Number($('#history-limit').value);
  // Pages can be asked for faster than they arrive (a click while the account loads): only the last one shows.
  const request = ++state.historyRequest;
  try {
    const page = await state.api.entries(state.accountId, cursor, limit);
    if (request !== state.historyRequest) return;
    $('#history-table tbody').replaceChildren(...page.entries.map(historyRow));
    state.historyNext = page.next_cursor ?? null;
    $('#history-older').disabled = !state.historyNext;
    $('#history-newer').disabled = state.historyCursors.length === 0;
    $('#history-page').textContent = `Page ${state.historyCursors.length + 1}${page.entries.length === 0 ? ' (no entries)' : ''}`;
    report($('#history-result'), '');
  } catch (error) {
    if (request === state.historyRequest) report($('#history-result'), describe(error), 'error');
  }
}

function historyRow(entry) {
  const refundable = entry.kind === 'mint' ? entry.transaction_id : entry.transfer_id;
  const action = refundable ? button('Refund', () => fillRefund(refundable, entry.account_id)) : '';
  return row([
    cell(String(entry.sequence)), cell(instant(entry.posted_at)), cell(entry.kind),
    cell(entry.operation ?? entry.reason), cell(amount(entry.amount), Number(entry.amount) < 0 ? 'num debit' : 'num credit'),
    cell(amount(entry.balance_after), 'num'), cell(entry.counterparty ?? ''), cell(action),
  ]);
}

function pageOlder() {
  state.historyCursors.push(state.historyNext);
  loadHistory(state.historyNext);
}

function pageNewer() {
  state.historyCursors.pop();
  loadHistory(state.historyCursors.at(-1));
}

// ---- transfers and holds ----

/** Remembers a transfer, hold or refund (started here or looked up) and shows it in the panel. */
export async function trackTransfer(transferId) {
  state.startedHere.add(transferId);
  state.transferIds.add(transferId);
  await loadTransfers();
}

async function loadTransfers() {
  const ids = [...state.transferIds].reverse().slice(0, TRANSFERS_SHOWN);
  const output = $('#transfers-result');
  const settled = await Promise.allSettled(ids.map((id) => state.api.transfer(id)));
  const transfers = settled.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value);
  transfers.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
  $('#transfers-table tbody').replaceChildren(...transfers.map(transferRow));
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  report(output, failed ? describe(failed.reason) : '', failed ? 'error' : 'ok');
}

function transferRow(transfer) {
  const note = transfer.failure_code ?? (transfer.refund_of ? `refund of ${transfer.refund_of}` : transfer.expires_at ? `expires ${instant(transfer.expires_at)}` : transfer.reason);
  return row([
    cell(transfer.transfer_id, 'id'), cell(transfer.kind), cell(badge(transfer.state)), cell(transfer.from), cell(transfer.to),
    cell(amount(transfer.amount), 'num'), cell(amount(transfer.settle_amount), 'num'), cell(note),
  ], { transferId: transfer.transfer_id });
}

async function lookUpTransfer(event) {
  event.preventDefault();
  const id = event.currentTarget.transfer_id.value.trim();
  try {
    await state.api.transfer(id);
    await trackTransfer(id);
  } catch (error) {
    report($('#transfers-result'), describe(error), 'error');
  }
}

// ---- consumer lag ----

async function refreshConsumers() {
  if (!state.api) return;
  try {
    const status = await state.api.consumers();
    $('#consumers-table tbody').replaceChildren(...status.consumers.map((consumer) => row([
      cell(consumer.name), cell(badge(consumer.state)), cell(amount(consumer.changes_behind), 'num'),
      cell(amount(consumer.seconds_behind), 'num'), cell(instant(consumer.last_checkpoint_at)),
      cell(amount(consumer.consecutive_failures), 'num'), cell(consumer.last_error ?? ''),
    ])));
    const deadLetters = status.dead_letters?.length ?? 0;
    $('#consumers-note').textContent = `Scope ${status.scope} · ${deadLetters}${status.dead_letters_truncated ? '+' : ''} dead letters · read ${instant(new Date())}`;
    report($('#consumers-result'), '');
  } catch (error) {
    report($('#consumers-result'), describe(error), 'error');
  }
}

// ---- start ----

function wire() {
  $('#sign-in-form').addEventListener('submit', signIn);
  $('#sign-in-form').base_url.value = location.origin;
  $('#sign-out').addEventListener('click', signOut);
  $('#owner-form').addEventListener('submit', showOwner);
  $('#accounts-more').addEventListener('click', loadAccounts);
  $('#history-older').addEventListener('click', pageOlder);
  $('#history-newer').addEventListener('click', pageNewer);
  $('#history-limit').addEventListener('change', () => { state.historyCursors = []; loadHistory(); });
  $('#transfer-lookup-form').addEventListener('submit', lookUpTransfer);
  $('#consumers-refresh').addEventListener('click', refreshConsumers);
  wireOperations({ api: () => state.api, accountId: () => state.accountId, refreshAccount, trackTransfer, selectAccount });
}

wire();
const saved = restoreSession();
if (saved) enter(saved).catch((error) => { sessionStorage.removeItem(SESSION_STORAGE_KEY); report($('#sign-in-form').result, describe(error), 'error'); });
