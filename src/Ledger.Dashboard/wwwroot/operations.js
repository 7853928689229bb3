// The forms that write: open account, mint, transfer, refund, and exports with their download. Each form
// submission names its request with an Idempotency-Key; a resubmission of the same values after an
// undecided failure (no answer, 429, 5xx) sends the same key again, so it can only take effect once.

import { newIdempotencyKey } from './ledger-api.js';
import { $, amount, cell, row, badge, button, report, describe } from './views.js';

const EXPORT_POLL_MS = 500;
const EXPORT_POLL_LIMIT = 240;

let context;

/**
 * Sends the form's request with its key: the key is made on the first submission of these values, kept
 * while the outcome is undecided, and dropped once the ledger decided (then the next submission is new).
 */
async function submitKeyed(form, send) {
  const values = JSON.stringify([...new FormData(form).entries()]);
  if (form.dataset.pendingValues !== values || !form.dataset.idempotencyKey) {
    form.dataset.idempotencyKey = newIdempotencyKey();
    form.dataset.pendingValues = values;
  }
  const key = form.dataset.idempotencyKey;
  report(form.result, `Sending (Idempotency-Key ${key})…`, 'busy');
  try {
    const answer = await send(key);
    forgetKey(form);
    return { answer, key };
  } catch (error) {
    if (!error.undecided) forgetKey(form);
    const retry = error.undecided ? ' Submit again to retry with the same key.' : '';
    report(form.result, `${describe(error)}${retry}`, 'error');
    return null;
  }
}

function forgetKey(form) {
  delete form.dataset.idempotencyKey;
  delete form.dataset.pendingValues;
}

/** The whole number in a field, or undefined when it is empty (the ledger then applies its default). */
function wholeNumber(input) {
  const text = input.value.trim();
  return text === '' ? undefined : Number(text);
}

const optional = (input) => input.value.trim() || undefined;

// ---- open account, mint, transfer, refund ----

async function openAccount(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { owner_id: form.owner_id.value.trim(), account_id: optional(form.account_id) };
  const sent = await submitKeyed(form, (key) => context.api().openAccount(body, key));
  if (!sent) return;
  report(form.result, `Opened ${sent.answer.account_id} for ${sent.answer.owner_id} (Idempotency-Key ${sent.key}).`);
  await context.selectAccount(sent.answer.account_id);
}

async function mint(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { account_id: form.account_id.value.trim(), amount: wholeNumber(form.amount), reason: form.reason.value.trim(), memo: optional(form.memo) };
  const sent = await submitKeyed(form, (key) => context.api().mint(body, key));
  if (!sent) return;
  const entry = sent.answer;
  report(form.result, `Minted ${amount(entry.amount)} to ${entry.account_id}: balance ${amount(entry.balance_after)}, ${entry.transaction_id} (Idempotency-Key ${sent.key}).`);
  await context.refreshAccount();
}

async function transfer(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { from: form.from.value.trim(), to: form.to.value.trim(), amount: wholeNumber(form.amount), reason: form.reason.value.trim(), memo: optional(form.memo) };
  const sent = await submitKeyed(form, (key) => context.api().startTransfer(body, key));
  if (!sent) return;
  const moved = sent.answer;
  const why = moved.failure_code ? ` (${moved.failure_code})` : '';
  report(form.result, `Transfer ${moved.transfer_id} ${moved.state}${why}: ${amount(moved.amount)} from ${moved.from} to ${moved.to} (Idempotency-Key ${sent.key}).`, moved.state === 'voided' ? 'error' : 'ok');
  await context.trackTransfer(moved.transfer_id);
  await context.refreshAccount();
}

async function refund(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const original = form.original_id.value.trim();
  const body = { amount: wholeNumber(form.amount), reason: optional(form.reason) };
  const ofMint = original.startsWith('tx_');
  const sent = await submitKeyed(form, (key) => ofMint
    ? context.api().refundMint(original, { account_id: form.account_id.value.trim() || context.accountId(), ...body }, key)
    : context.api().refundTransfer(original, body, key));
  if (!sent) return;
  const answer = sent.answer;
  const outcome = ofMint
    ? `Refunded ${amount(-Number(answer.amount))} of ${original}: ${answer.transaction_id}`
    : `Refund ${answer.transfer_id} ${answer.state}: ${amount(answer.amount)} back to ${answer.to}`;
  report(form.result, `${outcome} (Idempotency-Key ${sent.key}).`);
  if (!ofMint) await context.trackTransfer(answer.transfer_id);
  await context.refreshAccount();
}

/** Called from a history row: prepares a refund of that mint or transfer. */
export function fillRefund(originalId, accountId) {
  const form = $('#refund-form');
  form.original_id.value = originalId;
  form.account_id.value = originalId.startsWith('tx_') ? accountId : '';
  form.amount.focus();
}

/** The selected account becomes the default of every form that names one. */
export function selectAccountInForms(accountId) {
  $('#mint-form').account_id.value = accountId;
  $('#transfer-form').from.value = accountId;
  $('#export-form').account_id.value = accountId;
}

// ---- exports ----

const dayStart = (date) => (date ? `${date}T00:00:00Z` : undefined);

function dayAfter(date) {
  if (!date) return undefined;
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10) + 'T00:00:00Z';
}

async function requestExport(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const scope = form.scope.value;
  const body = { scope, account_id: scope === 'account' ? form.account_id.value.trim() : undefined, from: dayStart(form.from.value), to: dayAfter(form.through.value) };
  const sent = await submitKeyed(form, (key) => context.api().requestExport(body, key));
  if (!sent) return;
  report(form.result, `Export ${sent.answer.export_id} requested (Idempotency-Key ${sent.key}).`);
  await followExport(sent.answer);
}

/** Shows the export and polls it until the consumer has written the file (or failed). */
async function followExport(exported) {
  for (let poll = 0; ; poll++) {
    showExport(exported);
    if (exported.status === 'completed' || exported.status === 'failed' || poll >= EXPORT_POLL_LIMIT) return;
    await new Promise((resolve) => setTimeout(resolve, EXPORT_POLL_MS));
    try {
      exported = await context.api().exportStatus(exported.export_id);
    } catch (error) {
      report($('#export-form').result, describe(error), 'error');
      return;
    }
  }
}

function showExport(exported) {
  const what = exported.scope === 'app' ? 'every account' : exported.account_id;
  const status = exported.status === 'failed' ? `${exported.status}: ${exported.error_code ?? ''}` : exported.status;
  const action = exported.status === 'completed' ? button('Download CSV', () => download(exported.export_id), 'secondary small') : '';
  const next = row([cell(exported.export_id, 'id'), cell(what), cell(badge(status)), cell(amount(exported.row_count), 'num'), cell(action)], { exportId: exported.export_id });
  const existing = document.querySelector(`#exports-table tbody tr[data-export-id="${CSS.escape(exported.export_id)}"]`);
  if (existing) existing.replaceWith(next);
  else $('#exports-table tbody').prepend(next);
}

/** The file needs the credential header, so it is fetched and handed to the browser as a local download. */
async function download(exportId) {
  try {
    const file = await context.api().exportFile(exportId);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(file);
    link.download = `${exportId}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (error) {
    report($('#export-form').result, describe(error), 'error');
  }
}

export function wireOperations(dashboard) {
  context = dashboard;
  $('#open-form').addEventListener('submit', openAccount);
  $('#mint-form').addEventListener('submit', mint);
  $('#transfer-form').addEventListener('submit', transfer);
  $('#refund-form').addEventListener('submit', refund);
  $('#export-form').addEventListener('submit', requestExport);
}
