// The balance over time as an SVG step chart: a balance holds from one entry until the next, so the line
// moves in steps at each entry's posting time, never in slopes between them.

const SVG = 'http://www.w3.org/2000/svg';
const MARGIN = { left: 64, right: 16, top: 14, bottom: 28 };
const MARKER_LIMIT = 80;

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceTicks(low, high, count) {
  const span = high - low || Math.abs(high) || 1;
  const rough = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough);
  const first = Math.floor(low / step) * step;
  const ticks = [];
  for (let value = first; value <= high + step / 2; value += step) ticks.push(value);
  return ticks;
}

const shortDate = (time) => time.toISOString().slice(0, 19).replace('T', ' ');

/**
 * Draws the points (ascending by time) into the svg, sized by its viewBox.
 * @param {SVGSVGElement} svg
 * @param {{time: Date, balance: number}[]} points
 * @param {number} startBalance the balance before the first point (0 when it is the account's first entry)
 */
export function drawBalanceChart(svg, points, startBalance = 0) {
  svg.replaceChildren();
  const [, , width, height] = svg.getAttribute('viewBox').split(' ').map(Number);
  if (points.length === 0) {
    svg.append(element('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'No entries yet'));
    return;
  }

  const times = points.map((point) => point.time.getTime());
  const start = times[0];
  const end = Math.max(times[times.length - 1], start + 1);
  const ticks = niceTicks(Math.min(0, startBalance, ...points.map((p) => p.balance)), Math.max(0, startBalance, ...points.map((p) => p.balance)), 4);
  const low = ticks[0];
  const high = ticks[ticks.length - 1] === low ? low + 1 : ticks[ticks.length - 1];
  const x = (time) => MARGIN.left + ((time - start) / (end - start)) * (width - MARGIN.left - MARGIN.right);
  const y = (value) => height - MARGIN.bottom - ((value - low) / (high - low)) * (height - MARGIN.top - MARGIN.bottom);

  for (const tick of ticks) {
    svg.append(element('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick), class: tick === 0 ? 'chart-zero' : 'chart-grid' }));
    svg.append(element('text', { x: MARGIN.left - 8, y: y(tick) + 4, 'text-anchor': 'end', class: 'chart-label' }, tick.toLocaleString('en')));
  }
  svg.append(element('text', { x: MARGIN.left, y: height - 8, class: 'chart-label' }, shortDate(points[0].time)));
  svg.append(element('text', { x: width - MARGIN.right, y: height - 8, 'text-anchor': 'end', class: 'chart-label' }, shortDate(points[points.length - 1].time)));

  let line = `M ${x(start)} ${y(startBalance)}`;
  points.forEach((point, index) => { line += ` H ${x(times[index])} V ${y(point.balance)}`; });
  line += ` H ${width - MARGIN.right}`;
  svg.append(element('path', { d: `${line} V ${y(0)} H ${x(start)} Z`, class: 'chart-area' }));
  svg.append(element('path', { d: line, class: 'chart-line' }));

  if (points.length <= MARKER_LIMIT) {
    points.forEach((point, index) => {
      const marker = element('circle', { cx: x(times[index]), cy: y(point.balance), r: 3, class: 'chart-point' });
      marker.append(element('title', {}, `${point.time.toISOString()}: ${point.balance.toLocaleString('en')}`));
      svg.append(marker);
    });
  }
}
