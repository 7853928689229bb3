// Small DOM helpers shared by the dashboard's panels: tables built from text (never from HTML strings, so
// a memo or an id from the ledger can never become markup), numbers and instants formatted one way.

export const $ = (selector) => document.querySelector(selector);

/** Numbers and BigInts with thousands separators; a dash for absent values. */
export function amount(value) {
  return value === undefined || value === null ? '–' : value.toLocaleString('en');
}

/** An instant as UTC "YYYY-MM-DD HH:MM:SS". */
export function instant(value) {
  return value ? new Date(value).toISOString().slice(0, 19).replace('T', ' ') : '–';
}

/** A table cell holding text, or a node. */
export function cell(content, className) {
  const td = document.createElement('td');
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? '';
  if (className) td.className = className;
  return td;
}

export function row(cells, dataset = {}) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  Object.assign(tr.dataset, dataset);
  return tr;
}

export function badge(text) {
  const span = document.createElement('span');
  span.className = `badge badge-${text}`;
  span.textContent = text;
  return span;
}

export function button(text, onClick, className = 'link') {
  const node = document.createElement('button');
  node.type = 'button';
  node.className = className;
  node.textContent = text;
  node.addEventListener('click', onClick);
  return node;
}

/** Shows an outcome in an output element: 'ok', 'error' or 'busy'. */
export function report(output, message, kind = 'ok') {
  output.textContent = message;
  output.dataset.kind = kind;
}

/** A problem as people read it: its stable code first, then the ledger's sentence. */
export function describe(error) {
  return error.code ? `${error.code}: ${error.message}` : String(error.message ?? error);
}
