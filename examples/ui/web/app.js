// Vigil's web UI: a small single-page app over the Prometheus HTTP API.
//
// No build step: plain ES2017 in one file. Every page route of the server
// (query, graph, alerts, rules, targets, service-discovery, config, flags,
// tsdb-status, status) serves the same index.html; this script picks the
// page from the last path segment. All URLs are relative, so the app works
// under any --web.route-prefix. Data from the API is only ever inserted as
// text (never as HTML).
'use strict';

(function () {
  const API = 'api/v1/';
  const HISTORY_KEY = 'vigil.queryHistory';
  const HISTORY_MAX = 50;

  // ---------------------------------------------------------------- DOM

  // el('div', {class: 'x', onclick: f}, 'text', childNode, [more...])
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        node.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        node.className = v;
      } else if (k === 'value') {
        node.value = v;
      } else if (k === 'checked') {
        node.checked = !!v;
      } else {
        node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    appendChildren(node, children);
    return node;
  }

  function appendChildren(node, children) {
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) appendChildren(node, c);
      else if (c instanceof Node) node.appendChild(c);
      else node.appendChild(document.createTextNode(String(c)));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function errorBox(err) {
    const box = el('div', {class: 'error', role: 'alert'});
    if (err && err.errorType) {
      box.appendChild(el('strong', {}, 'Error (' + err.errorType + '): '));
    } else {
      box.appendChild(el('strong', {}, 'Error: '));
    }
    box.appendChild(document.createTextNode(err && err.message ? err.message : String(err)));
    return box;
  }

  function warningsBox(warnings) {
    if (!warnings || warnings.length === 0) return null;
    return el('div', {class: 'warning', role: 'status'},
      warnings.map((w) => el('div', {}, 'Warning: ' + w)));
  }

  function loading() {
    return el('div', {class: 'loading'}, 'Loading…');
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(errorType, message, httpStatus) {
      super(message);
      this.errorType = errorType;
      this.httpStatus = httpStatus;
    }
  }

  // GET (or POST form, for long queries) api/v1/<path>; resolves to
  // {data, warnings}; rejects with an ApiError naming what failed.
  async function api(path, params) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
      if (v === undefined || v === null || v === '') continue;
      body.append(k, String(v));
    }
    const qs = body.toString();
    let resp;
    try {
      if (qs.length > 1500) {
        resp = await fetch(API + path, {
          method: 'POST',
          headers: {'Content-Type': 'application/x-www-form-urlencoded'},
          body: qs,
        });
      } else {
        resp = await fetch(API + path + (qs ? '?' + qs : ''));
      }
    } catch (e) {
      throw new ApiError('network', 'cannot reach the server (' + API + path + '): ' + e.message);
    }
    const text = await resp.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ApiError('http ' + resp.status,
        'unexpected answer from ' + API + path + ': ' + text.slice(0, 300), resp.status);
    }
    if (json.status !== 'success') {
      throw new ApiError(json.errorType || ('http ' + resp.status),
        json.error || ('request failed with HTTP ' + resp.status), resp.status);
    }
    return {data: json.data, warnings: json.warnings || []};
  }

  // ------------------------------------------------------- time helpers

  const DURATION_UNITS = [
    ['y', 365 * 24 * 3600 * 1000], ['w', 7 * 24 * 3600 * 1000], ['d', 24 * 3600 * 1000],
    ['h', 3600 * 1000], ['m', 60 * 1000], ['s', 1000], ['ms', 1],
  ];

  // "1h30m" -> 5400000 ms; null when not a duration. A bare number is seconds.
  function parseDuration(s) {
    s = String(s).trim();
    if (s === '') return null;
    if (/^\d+(\.\d+)?$/.test(s)) return Math.round(parseFloat(s) * 1000);
    const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
    let total = 0;
    let pos = 0;
    let m;
    while ((m = re.exec(s)) !== null) {
      const unit = DURATION_UNITS.find((u) => u[0] === m[2]);
      total += parseInt(m[1], 10) * unit[1];
      pos = re.lastIndex;
    }
    return pos === s.length && pos > 0 ? total : null;
  }

  function formatDuration(ms) {
    if (ms === 0) return '0s';
    let out = '';
    for (const [u, n] of DURATION_UNITS) {
      if (ms >= n) {
        out += Math.floor(ms / n) + u;
        ms %= n;
      }
    }
    return out;
  }

  // "2024-01-02 03:04:05" (UTC), RFC 3339 or a Unix timestamp -> ms; null
  // for anything else. An empty string means "now" (returns null too; callers
  // check for empty first).
  function parseTime(s) {
    s = String(s).trim();
    if (s === '') return null;
    if (/^\d+(\.\d+)?$/.test(s)) return Math.round(parseFloat(s) * 1000);
    let iso = s.replace(' ', 'T');
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(iso)) iso += ':00';
    if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00';
    if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += 'Z';
    const t = Date.parse(iso);
    return Number.isNaN(t) ? null : t;
  }

  function formatTime(ms) {
    return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace('Z', '');
  }

  function ago(isoString) {
    const t = Date.parse(isoString);
    if (Number.isNaN(t) || t <= 0 || isoString.startsWith('0001-')) return 'never';
    const d = Date.now() - t;
    if (d < 0) return 'just now';
    if (d < 1000) return d + 'ms ago';
    if (d < 60 * 1000) return (d / 1000).toFixed(1) + 's ago';
    return formatDuration(Math.floor(d / 1000) * 1000) + ' ago';
  }

  function seconds(s) {
    if (typeof s !== 'number') return '';
    if (s < 1e-3) return (s * 1e6).toFixed(0) + 'µs';
    if (s < 1) return (s * 1e3).toFixed(1) + 'ms';
    return s.toFixed(3) + 's';
  }

  // ------------------------------------------------------ label helpers

  function formatLabels(labels, skipName) {
    const parts = [];
    for (const k of Object.keys(labels || {}).sort()) {
      if (skipName && k === '__name__') continue;
      parts.push(k + '=' + JSON.stringify(labels[k]));
    }
    return '{' + parts.join(', ') + '}';
  }

  function formatSeries(metric) {
    const name = (metric && metric.__name__) || '';
    const rest = formatLabels(metric, true);
    return rest === '{}' && name ? name : name + rest;
  }

  function labelBadges(labels) {
    return el('div', {class: 'labels'}, Object.keys(labels || {}).sort().map((k) =>
      el('span', {class: 'label-badge'}, k + '="' + labels[k] + '"')));
  }

  function healthBadge(health) {
    const h = String(health || 'unknown').toLowerCase();
    const cls = h === 'up' || h === 'ok' ? 'ok' : (h === 'down' || h === 'err' ? 'bad' : 'unknown');
    return el('span', {class: 'badge ' + cls}, h.toUpperCase());
  }

  function stateBadge(state) {
    const s = String(state || 'inactive').toLowerCase();
    return el('span', {class: 'badge state-' + s}, s.toUpperCase());
  }

  function queryLink(expr) {
    return el('a', {class: 'expr', href: 'query?' + new URLSearchParams({expr: expr, tab: 'table'})},
      el('code', {}, expr));
  }

  // ------------------------------------------------------ query history

  function loadHistory() {
    try {
      const h = JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]');
      return Array.isArray(h) ? h.filter((x) => typeof x === 'string') : [];
    } catch (e) {
      return [];
    }
  }

  function addHistory(expr) {
    const h = loadHistory().filter((x) => x !== expr);
    h.unshift(expr);
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(h.slice(0, HISTORY_MAX)));
    } catch (e) {
      // Storage full or disabled: history is a convenience only.
    }
  }

  // ------------------------------------------------------- query page

  const RANGE_STEPS = ['1m', '5m', '15m', '30m', '1h', '2h', '6h', '12h', '1d', '2d', '1w', '2w', '4w', '8w', '26w', '1y'];

  function pageQuery(main) {
    const params = new URLSearchParams(location.search);
    const state = {
      expr: params.get('expr') || params.get('g0.expr') || '',
      tab: params.get('tab') === 'graph' || params.get('g0.tab') === '0' ? 'graph' : 'table',
      range: params.get('range') || params.get('g0.range_input') || '1h',
      end: params.get('end') || '',
      step: params.get('step') || '',
      time: params.get('time') || '',
    };
    if (location.pathname.endsWith('/graph') && !params.get('tab')) state.tab = 'graph';

    let metricNames = [];
    let chart = null;
    let seq = 0;

    const expr = el('textarea', {
      id: 'expr', class: 'expr-input', rows: 2, spellcheck: 'false', autocomplete: 'off',
      placeholder: 'Expression (press Enter to execute, Shift+Enter for a new line)',
      'aria-label': 'PromQL expression',
    });
    expr.value = state.expr;
    const suggest = el('ul', {class: 'suggest', hidden: true, role: 'listbox'});
    const execBtn = el('button', {id: 'execute', class: 'primary', type: 'submit'}, 'Execute');
    const historySel = el('select', {id: 'history', 'aria-label': 'Query history'});
    const metricSel = el('select', {id: 'metrics', 'aria-label': 'Insert metric'});

    const tabTable = el('button', {type: 'button', id: 'tab-table', class: 'tab', role: 'tab'}, 'Table');
    const tabGraph = el('button', {type: 'button', id: 'tab-graph', class: 'tab', role: 'tab'}, 'Graph');

    // Table controls.
    const timeInput = el('input', {id: 'eval-time', type: 'text', size: 20, placeholder: 'now', value: state.time,
      title: 'Evaluation time (UTC): YYYY-MM-DD HH:MM:SS, RFC 3339 or a Unix timestamp; empty = now'});
    const tableControls = el('div', {class: 'controls'},
      el('label', {}, 'Evaluation time (UTC) ', timeInput),
      el('button', {type: 'button', onclick: () => { timeInput.value = ''; run(); }}, 'Now'));

    // Graph controls.
    const rangeInput = el('input', {id: 'range', type: 'text', size: 6, value: state.range,
      title: 'Range, e.g. 1h, 30m, 2d'});
    const endInput = el('input', {id: 'end', type: 'text', size: 20, placeholder: 'now', value: state.end,
      title: 'End time (UTC): YYYY-MM-DD HH:MM:SS, RFC 3339 or a Unix timestamp; empty = now'});
    const stepInput = el('input', {id: 'step', type: 'text', size: 6, placeholder: 'auto', value: state.step,
      title: 'Resolution (query step), e.g. 15s; empty = range / 250'});
    const graphControls = el('div', {class: 'controls'},
      el('button', {type: 'button', title: 'Shorter range', onclick: () => stepRange(-1)}, '−'),
      el('label', {}, 'Range ', rangeInput),
      el('button', {type: 'button', title: 'Longer range', onclick: () => stepRange(1)}, '+'),
      el('button', {type: 'button', title: 'Back by half the range', onclick: () => shiftEnd(-1)}, '◀'),
      el('label', {}, 'End (UTC) ', endInput),
      el('button', {type: 'button', title: 'Forward by half the range', onclick: () => shiftEnd(1)}, '▶'),
      el('button', {type: 'button', onclick: () => { endInput.value = ''; run(); }}, 'Now'),
      el('label', {}, 'Step ', stepInput));

    const status = el('div', {id: 'query-status', class: 'status-line'});
    const messages = el('div', {id: 'query-messages'});
    const tablePanel = el('div', {id: 'table-panel'});
    const graphPanel = el('div', {id: 'graph-panel'});
    const chartBox = el('div', {id: 'chart', class: 'chart'});
    graphPanel.appendChild(chartBox);

    const form = el('form', {class: 'query-form', onsubmit: (e) => { e.preventDefault(); run(); }},
      el('div', {class: 'expr-row'}, el('div', {class: 'expr-wrap'}, expr, suggest), execBtn),
      el('div', {class: 'controls'}, historySel, metricSel));

    appendChildren(clear(main), [
      form,
      el('div', {class: 'tabs', role: 'tablist'}, tabTable, tabGraph),
      el('div', {class: 'panel'}, tableControls, graphControls, status, messages, tablePanel, graphPanel),
    ]);

    function fillHistory() {
      clear(historySel).appendChild(el('option', {value: ''}, 'History…'));
      for (const h of loadHistory()) {
        historySel.appendChild(el('option', {value: h}, h.length > 120 ? h.slice(0, 117) + '…' : h));
      }
    }
    fillHistory();
    historySel.addEventListener('change', () => {
      if (historySel.value) {
        expr.value = historySel.value;
        historySel.value = '';
        run();
      }
    });

    clear(metricSel).appendChild(el('option', {value: ''}, 'Insert metric…'));
    api('label/__name__/values').then(({data}) => {
      metricNames = data || [];
      for (const n of metricNames) metricSel.appendChild(el('option', {value: n}, n));
    }).catch(() => { /* the query box works without the list */ });
    metricSel.addEventListener('change', () => {
      if (!metricSel.value) return;
      insertAtCursor(metricSel.value);
      metricSel.value = '';
      expr.focus();
    });

    function insertAtCursor(text) {
      const s = expr.selectionStart;
      const e = expr.selectionEnd;
      expr.value = expr.value.slice(0, s) + text + expr.value.slice(e);
      expr.selectionStart = expr.selectionEnd = s + text.length;
    }

    // Metric-name completion for the word at the cursor.
    let suggestIndex = -1;
    function currentWord() {
      const upto = expr.value.slice(0, expr.selectionStart);
      const m = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(upto);
      return m ? m[0] : '';
    }
    function updateSuggest() {
      const w = currentWord();
      clear(suggest);
      suggestIndex = -1;
      if (w.length < 2) { suggest.hidden = true; return; }
      const hits = metricNames.filter((n) => n.startsWith(w) && n !== w).slice(0, 12);
      if (hits.length === 0) { suggest.hidden = true; return; }
      for (const h of hits) {
        suggest.appendChild(el('li', {role: 'option', onmousedown: (e) => { e.preventDefault(); accept(h); }}, h));
      }
      suggest.hidden = false;
    }
    function accept(name) {
      const w = currentWord();
      const s = expr.selectionStart - w.length;
      expr.value = expr.value.slice(0, s) + name + expr.value.slice(expr.selectionStart);
      expr.selectionStart = expr.selectionEnd = s + name.length;
      suggest.hidden = true;
    }
    function moveSuggest(d) {
      const items = suggest.children;
      if (items.length === 0) return;
      if (suggestIndex >= 0) items[suggestIndex].classList.remove('active');
      suggestIndex = (suggestIndex + d + items.length) % items.length;
      items[suggestIndex].classList.add('active');
    }
    expr.addEventListener('input', updateSuggest);
    expr.addEventListener('blur', () => { suggest.hidden = true; });
    expr.addEventListener('keydown', (e) => {
      if (!suggest.hidden) {
        if (e.key === 'ArrowDown') { e.preventDefault(); moveSuggest(1); return; }
        if (e.key === 'ArrowUp') { e.preventDefault(); moveSuggest(-1); return; }
        if (e.key === 'Escape') { suggest.hidden = true; return; }
        if ((e.key === 'Tab' || e.key === 'Enter') && suggestIndex >= 0) {
          e.preventDefault();
          accept(suggest.children[suggestIndex].textContent);
          return;
        }
      }
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        suggest.hidden = true;
        run();
      }
    });

    function setTab(tab) {
      state.tab = tab;
      tabTable.classList.toggle('active', tab === 'table');
      tabGraph.classList.toggle('active', tab === 'graph');
      tabTable.setAttribute('aria-selected', tab === 'table');
      tabGraph.setAttribute('aria-selected', tab === 'graph');
      tableControls.hidden = tab !== 'table';
      tablePanel.hidden = tab !== 'table';
      graphControls.hidden = tab !== 'graph';
      graphPanel.hidden = tab !== 'graph';
    }
    tabTable.addEventListener('click', () => { setTab('table'); run(); });
    tabGraph.addEventListener('click', () => { setTab('graph'); run(); });
    setTab(state.tab);

    function stepRange(dir) {
      const cur = parseDuration(rangeInput.value) || 3600 * 1000;
      const ms = RANGE_STEPS.map(parseDuration);
      let i = -1;
      if (dir > 0) {
        i = ms.findIndex((x) => x > cur);
        if (i < 0) i = ms.length - 1;
      } else {
        for (let j = ms.length - 1; j >= 0 && i < 0; j--) if (ms[j] < cur) i = j;
        if (i < 0) i = 0;
      }
      rangeInput.value = RANGE_STEPS[i];
      run();
    }

    function shiftEnd(dir) {
      const range = parseDuration(rangeInput.value) || 3600 * 1000;
      const end = endInput.value.trim() === '' ? Date.now() : parseTime(endInput.value);
      if (end === null) return showError(new ApiError('input', 'bad end time: ' + endInput.value));
      endInput.value = formatTime(end + dir * range / 2);
      run();
    }

    function showError(err) {
      clear(messages).appendChild(errorBox(err));
    }

    function saveUrl() {
      const p = new URLSearchParams();
      if (expr.value) p.set('expr', expr.value);
      p.set('tab', state.tab);
      if (state.tab === 'graph') {
        p.set('range', rangeInput.value);
        if (endInput.value) p.set('end', endInput.value);
        if (stepInput.value) p.set('step', stepInput.value);
      } else if (timeInput.value) {
        p.set('time', timeInput.value);
      }
      history.replaceState(null, '', location.pathname + '?' + p.toString());
    }

    async function run() {
      const q = expr.value.trim();
      const mine = ++seq;
      saveUrl();
      clear(messages);
      status.textContent = '';
      if (q === '') {
        clear(tablePanel).appendChild(el('div', {class: 'muted'}, 'Enter an expression and press Execute.'));
        return;
      }
      addHistory(q);
      fillHistory();
      const started = performance.now();
      try {
        if (state.tab === 'table') {
          let time;
          if (timeInput.value.trim() !== '') {
            const t = parseTime(timeInput.value);
            if (t === null) throw new ApiError('input', 'bad evaluation time "' + timeInput.value + '": use YYYY-MM-DD HH:MM:SS (UTC), RFC 3339 or a Unix timestamp');
            time = t / 1000;
          }
          clear(tablePanel).appendChild(loading());
          const res = await api('query', {query: q, time: time});
          if (mine !== seq) return;
          const n = renderTable(res.data);
          status.textContent = 'Load time: ' + Math.round(performance.now() - started) + 'ms · Result: ' + n;
          const w = warningsBox(res.warnings);
          if (w) messages.appendChild(w);
        } else {
          const range = parseDuration(rangeInput.value);
          if (range === null || range <= 0) throw new ApiError('input', 'bad range "' + rangeInput.value + '": use a duration like 1h or 30m');
          let end = Date.now();
          if (endInput.value.trim() !== '') {
            end = parseTime(endInput.value);
            if (end === null) throw new ApiError('input', 'bad end time "' + endInput.value + '": use YYYY-MM-DD HH:MM:SS (UTC), RFC 3339 or a Unix timestamp');
          }
          let step;
          if (stepInput.value.trim() !== '') {
            step = parseDuration(stepInput.value);
            if (step === null || step <= 0) throw new ApiError('input', 'bad step "' + stepInput.value + '": use a duration like 15s');
            step /= 1000;
          } else {
            step = Math.max(Math.floor(range / 1000 / 250), 1);
          }
          const endS = end / 1000;
          const startS = endS - range / 1000;
          const res = await api('query_range', {query: q, start: startS.toFixed(3), end: endS.toFixed(3), step: step});
          if (mine !== seq) return;
          const n = renderGraph(res.data, startS, endS);
          status.textContent = 'Load time: ' + Math.round(performance.now() - started) + 'ms · Resolution: ' +
            step + 's · Result series: ' + n;
          const w = warningsBox(res.warnings);
          if (w) messages.appendChild(w);
        }
      } catch (err) {
        if (mine !== seq) return;
        if (state.tab === 'table') {
          clear(tablePanel);
        } else {
          if (chart) { chart.destroy(); chart = null; }
          clear(chartBox);
        }
        showError(err);
      }
    }

    function sampleValue(s) {
      if (s.histogram) {
        const h = s.histogram[1];
        return 'count=' + h.count + ' sum=' + h.sum + ' (' + (h.buckets || []).length + ' buckets)';
      }
      return s.value[1];
    }

    function renderTable(data) {
      const box = clear(tablePanel);
      const LIMIT = 10000;
      if (data.resultType === 'scalar' || data.resultType === 'string') {
        box.appendChild(el('table', {class: 'data', id: 'result-table'},
          el('tbody', {}, el('tr', {}, el('td', {}, data.resultType), el('td', {class: 'num'}, data.result[1])))));
        return data.resultType;
      }
      const rows = data.result || [];
      if (rows.length === 0) {
        box.appendChild(el('div', {class: 'muted', id: 'empty-result'}, 'Empty query result'));
        return '0 series';
      }
      const tbody = el('tbody', {});
      for (const r of rows.slice(0, LIMIT)) {
        let val;
        if (data.resultType === 'matrix') {
          const pts = (r.values || []).map((v) => v[1] + ' @' + v[0]);
          for (const h of r.histograms || []) pts.push('histogram count=' + h[1].count + ' @' + h[0]);
          val = el('div', {class: 'matrix-values'}, pts.map((p) => el('div', {}, p)));
        } else {
          val = sampleValue(r);
        }
        tbody.appendChild(el('tr', {}, el('td', {class: 'series'}, formatSeries(r.metric)), el('td', {class: 'num'}, val)));
      }
      box.appendChild(el('table', {class: 'data', id: 'result-table'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Series'), el('th', {}, 'Value'))), tbody));
      if (rows.length > LIMIT) {
        box.appendChild(el('div', {class: 'warning'}, 'Showing the first ' + LIMIT + ' of ' + rows.length + ' series.'));
      }
      return rows.length + ' series';
    }

    // Tick labels in UTC, 24-hour: "13:05:10", "13:05" or "11-25 13:00",
    // with the date under the first tick.
    function timeAxisValues(u, splits, axisIdx, space, incr) {
      const withSeconds = incr < 60;
      const multiDay = splits.length > 1 && splits[splits.length - 1] - splits[0] > 24 * 3600;
      return splits.map((ts, i) => {
        const iso = new Date(ts * 1000).toISOString();
        const hm = iso.slice(11, withSeconds ? 19 : 16);
        if (multiDay) return iso.slice(5, 10) + ' ' + hm;
        return i === 0 ? hm + '\n' + iso.slice(0, 10) : hm;
      });
    }

    function color(i) {
      return 'hsl(' + Math.round((i * 137.508) % 360) + ', 70%, 42%)';
    }

    function renderGraph(data, startS, endS) {
      if (chart) { chart.destroy(); chart = null; }
      clear(chartBox);
      if (window.VIGIL_CHART_MISSING || typeof window.uPlot !== 'function') {
        chartBox.appendChild(errorBox(new ApiError('ui', window.VIGIL_CHART_MISSING || 'the chart library did not load')));
        return (data.result || []).length;
      }
      if (data.resultType !== 'matrix') {
        chartBox.appendChild(errorBox(new ApiError('bad_data', 'the graph needs a range query result (matrix), got ' + data.resultType)));
        return 0;
      }
      const series = data.result || [];
      if (series.length === 0) {
        chartBox.appendChild(el('div', {class: 'muted', id: 'empty-result'}, 'No datapoints found.'));
        return 0;
      }
      // Align every series on the union of timestamps; gaps are null.
      const tsSet = new Set();
      for (const s of series) for (const v of s.values || []) tsSet.add(v[0]);
      const xs = Array.from(tsSet).sort((a, b) => a - b);
      const index = new Map(xs.map((t, i) => [t, i]));
      const columns = [xs];
      const seriesOpts = [{}];
      series.forEach((s, i) => {
        const ys = new Array(xs.length).fill(null);
        for (const v of s.values || []) {
          const f = parseFloat(v[1]);
          ys[index.get(v[0])] = Number.isFinite(f) ? f : null;
        }
        columns.push(ys);
        seriesOpts.push({
          label: formatSeries(s.metric) || '{}',
          stroke: color(i),
          width: 1.5,
          spanGaps: false,
          points: {show: xs.length < 60, size: 4},
        });
      });
      const width = Math.max(300, chartBox.clientWidth || main.clientWidth - 40);
      const opts = {
        width: width,
        height: 380,
        series: seriesOpts,
        scales: {x: {time: true, range: [startS, endS]}},
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
        legend: {show: true, live: true},
        cursor: {drag: {x: true, y: false}},
        axes: [{values: timeAxisValues}, {size: 70}],
      };
      chart = new uPlot(opts, columns, chartBox);
      return series.length;
    }

    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (chart) chart.setSize({width: Math.max(300, chartBox.clientWidth), height: 380});
      }, 150);
    });

    if (state.expr) run();
    expr.focus();
  }

  // ------------------------------------------------------ alerts page

  async function pageAlerts(main) {
    const {data} = await api('rules', {type: 'alert'});
    const rules = [];
    for (const g of data.groups || []) {
      for (const r of g.rules || []) if (r.type === 'alerting') rules.push({group: g, rule: r});
    }
    const counts = {inactive: 0, pending: 0, firing: 0};
    for (const {rule} of rules) counts[rule.state] = (counts[rule.state] || 0) + 1;
    const show = {inactive: true, pending: true, firing: true};
    const list = el('div', {id: 'alert-list'});
    const filters = el('div', {class: 'controls'}, ['inactive', 'pending', 'firing'].map((s) =>
      el('label', {class: 'check'}, el('input', {type: 'checkbox', checked: true,
        onchange: (e) => { show[s] = e.target.checked; render(); }}),
      stateBadge(s), ' (' + counts[s] + ')')));
    appendChildren(main, [el('h1', {}, 'Alerts'), filters, list]);

    function render() {
      clear(list);
      if (rules.length === 0) {
        list.appendChild(el('div', {class: 'muted'}, 'No alerting rules are loaded (rule_files in the config).'));
        return;
      }
      let lastGroup = null;
      for (const {group, rule} of rules) {
        if (!show[rule.state]) continue;
        if (group !== lastGroup) {
          list.appendChild(el('h2', {class: 'group-title'}, group.file + ' › ' + group.name));
          lastGroup = group;
        }
        const alerts = rule.alerts || [];
        const def = ['alert: ' + rule.name, 'expr: ' + rule.query];
        if (rule.duration) def.push('for: ' + formatDuration(rule.duration * 1000));
        if (rule.keepFiringFor) def.push('keep_firing_for: ' + formatDuration(rule.keepFiringFor * 1000));
        for (const key of ['labels', 'annotations']) {
          const o = rule[key] || {};
          if (Object.keys(o).length === 0) continue;
          def.push(key + ':');
          for (const k of Object.keys(o).sort()) def.push('  ' + k + ': ' + JSON.stringify(o[k]));
        }
        const details = el('details', {class: 'alert-rule state-' + rule.state, open: rule.state === 'firing'},
          el('summary', {}, stateBadge(rule.state), ' ', el('strong', {}, rule.name), ' (' + alerts.length + ' active)'),
          el('pre', {class: 'rule-def'}, def.join('\n')),
          rule.lastError ? errorBox(new ApiError('rule evaluation', rule.lastError)) : null,
          alerts.length === 0 ? null : el('table', {class: 'data'},
            el('thead', {}, el('tr', {}, ['Labels', 'State', 'Active since', 'Value'].map((h) => el('th', {}, h)))),
            el('tbody', {}, alerts.map((a) => el('tr', {},
              el('td', {}, labelBadges(a.labels)), el('td', {}, stateBadge(a.state)),
              el('td', {}, a.activeAt ? a.activeAt + ' (' + ago(a.activeAt) + ')' : ''),
              el('td', {class: 'num'}, a.value))))));
        list.appendChild(details);
      }
    }
    render();
  }

  // ------------------------------------------------------- rules page

  async function pageRules(main) {
    const {data} = await api('rules');
    main.appendChild(el('h1', {}, 'Rules'));
    const groups = data.groups || [];
    if (groups.length === 0) {
      main.appendChild(el('div', {class: 'muted'}, 'No rule groups are loaded (rule_files in the config).'));
      return;
    }
    for (const g of groups) {
      main.appendChild(el('div', {class: 'group'},
        el('h2', {class: 'group-title'}, g.name),
        el('div', {class: 'muted'}, g.file + ' · interval ' + formatDuration((g.interval || 0) * 1000) +
          ' · last evaluation ' + ago(g.lastEvaluation || '') + ' · took ' + seconds(g.evaluationTime)),
        el('table', {class: 'data'},
          el('thead', {}, el('tr', {}, ['Rule', 'Health', 'Error', 'Last evaluation', 'Evaluation time'].map((h) => el('th', {}, h)))),
          el('tbody', {}, (g.rules || []).map((r) => el('tr', {},
            el('td', {}, el('div', {}, el('strong', {}, (r.type === 'alerting' ? 'alert: ' : 'record: ') + r.name)),
              queryLink(r.query),
              Object.keys(r.labels || {}).length ? labelBadges(r.labels) : null),
            el('td', {}, healthBadge(r.health)),
            el('td', {class: 'err-text'}, r.lastError || ''),
            el('td', {}, ago(r.lastEvaluation || '')),
            el('td', {}, seconds(r.evaluationTime))))))));
    }
  }

  // ----------------------------------------------------- targets page

  async function pageTargets(main) {
    const {data} = await api('targets', {state: 'active'});
    const targets = data.activeTargets || [];
    const pools = new Map();
    for (const t of targets) {
      if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
      pools.get(t.scrapePool).push(t);
    }
    let unhealthyOnly = false;
    let filter = '';
    const list = el('div', {id: 'target-pools'});
    appendChildren(main, [
      el('h1', {}, 'Targets'),
      el('div', {class: 'controls'},
        el('label', {class: 'check'}, el('input', {type: 'checkbox', id: 'unhealthy-only',
          onchange: (e) => { unhealthyOnly = e.target.checked; render(); }}), ' Unhealthy only'),
        el('input', {type: 'search', placeholder: 'Filter by endpoint or labels', size: 40,
          oninput: (e) => { filter = e.target.value.toLowerCase(); render(); }})),
      list,
    ]);

    function render() {
      clear(list);
      if (targets.length === 0) {
        list.appendChild(el('div', {class: 'muted'}, 'No active targets (scrape_configs in the config).'));
        return;
      }
      for (const [pool, ts] of Array.from(pools.entries()).sort((a, b) => a[0].localeCompare(b[0]))) {
        const up = ts.filter((t) => t.health === 'up').length;
        const shown = ts.filter((t) => (!unhealthyOnly || t.health !== 'up') &&
          (filter === '' || (t.scrapeUrl + ' ' + formatLabels(t.labels)).toLowerCase().includes(filter)));
        if (shown.length === 0 && (unhealthyOnly || filter)) continue;
        list.appendChild(el('details', {class: 'pool', open: true, 'data-pool': pool},
          el('summary', {}, el('strong', {}, pool), ' (' + up + '/' + ts.length + ' up)'),
          el('table', {class: 'data targets'},
            el('thead', {}, el('tr', {}, ['Endpoint', 'State', 'Labels', 'Last scrape', 'Scrape duration', 'Error'].map((h) => el('th', {}, h)))),
            el('tbody', {}, shown.map((t) => el('tr', {class: 'target health-' + t.health},
              el('td', {}, el('a', {href: t.scrapeUrl, rel: 'noopener'}, t.scrapeUrl)),
              el('td', {}, healthBadge(t.health)),
              el('td', {}, labelBadges(t.labels)),
              el('td', {}, ago(t.lastScrape || '')),
              el('td', {}, seconds(t.lastScrapeDuration)),
              el('td', {class: 'err-text'}, t.lastError || '')))))));
      }
    }
    render();
  }

  // -------------------------------------------- service discovery page

  async function pageServiceDiscovery(main) {
    const {data} = await api('targets');
    const pools = new Map();
    const add = (pool, entry) => {
      if (!pools.has(pool)) pools.set(pool, {active: 0, dropped: 0, rows: []});
      const p = pools.get(pool);
      p.rows.push(entry);
      if (entry.labels) p.active++; else p.dropped++;
    };
    for (const t of data.activeTargets || []) add(t.scrapePool, t);
    for (const t of data.droppedTargets || []) {
      add(t.scrapePool || (t.discoveredLabels || {}).job || '(unknown pool)', {discoveredLabels: t.discoveredLabels});
    }
    main.appendChild(el('h1', {}, 'Service discovery'));
    if (pools.size === 0) {
      main.appendChild(el('div', {class: 'muted'}, 'No targets were discovered.'));
      return;
    }
    const names = Array.from(pools.keys()).sort();
    main.appendChild(el('ul', {class: 'toc'}, names.map((n) =>
      el('li', {}, el('a', {href: '#pool-' + encodeURIComponent(n)}, n),
        ' (' + pools.get(n).active + ' / ' + (pools.get(n).active + pools.get(n).dropped) + ' active targets)'))));
    for (const n of names) {
      const p = pools.get(n);
      main.appendChild(el('details', {class: 'pool', open: true, id: 'pool-' + encodeURIComponent(n)},
        el('summary', {}, el('strong', {}, n), ' (' + p.active + ' active, ' + p.dropped + ' dropped)'),
        el('table', {class: 'data'},
          el('thead', {}, el('tr', {}, el('th', {}, 'Discovered labels'), el('th', {}, 'Target labels'))),
          el('tbody', {}, p.rows.map((r) => el('tr', {},
            el('td', {}, labelBadges(r.discoveredLabels)),
            el('td', {}, r.labels ? labelBadges(r.labels) : el('span', {class: 'badge unknown'}, 'DROPPED'))))))));
    }
  }

  // ------------------------------------------------------- config page

  async function pageConfig(main) {
    const {data} = await api('status/config');
    const pre = el('pre', {id: 'config-yaml', class: 'config'}, data.yaml || '');
    const copy = el('button', {type: 'button', onclick: async () => {
      try {
        await navigator.clipboard.writeText(data.yaml || '');
        copy.textContent = 'Copied';
      } catch (e) {
        copy.textContent = 'Copy failed: select the text instead';
      }
    }}, 'Copy to clipboard');
    appendChildren(main, [el('h1', {}, 'Configuration'), el('div', {class: 'controls'}, copy), pre]);
  }

  // -------------------------------------------------------- flags page

  async function pageFlags(main) {
    const {data} = await api('status/flags');
    const names = Object.keys(data || {}).sort();
    const tbody = el('tbody', {});
    const render = (f) => {
      clear(tbody);
      for (const n of names) {
        if (f && !(n + ' ' + data[n]).toLowerCase().includes(f)) continue;
        tbody.appendChild(el('tr', {}, el('td', {}, el('code', {}, '--' + n)), el('td', {}, el('code', {}, data[n]))));
      }
    };
    appendChildren(main, [
      el('h1', {}, 'Command-line flags'),
      el('div', {class: 'controls'}, el('input', {type: 'search', placeholder: 'Filter flags', size: 40,
        oninput: (e) => render(e.target.value.toLowerCase())})),
      el('table', {class: 'data', id: 'flags-table'}, el('thead', {}, el('tr', {}, el('th', {}, 'Flag'), el('th', {}, 'Value'))), tbody),
    ]);
    render('');
  }

  // -------------------------------------------------- TSDB status page

  function nameValueTable(title, rows, valueTitle) {
    return el('section', {},
      el('h2', {}, title),
      !rows || rows.length === 0 ? el('div', {class: 'muted'}, 'None.') :
        el('table', {class: 'data'},
          el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, valueTitle || 'Count'))),
          el('tbody', {}, rows.map((r) => el('tr', {}, el('td', {}, el('code', {}, r.name)), el('td', {class: 'num'}, r.value))))));
  }

  async function pageTsdbStatus(main) {
    const {data} = await api('status/tsdb');
    const h = data.headStats || {};
    const t = (ms) => (typeof ms === 'number' && ms > -9e15 && ms < 9e15 ? formatTime(ms) + ' UTC' : 'none');
    appendChildren(main, [
      el('h1', {}, 'TSDB status'),
      el('section', {}, el('h2', {}, 'Head block'),
        el('table', {class: 'data', id: 'head-stats'}, el('tbody', {},
          el('tr', {}, el('th', {}, 'Number of series'), el('td', {class: 'num'}, h.numSeries)),
          el('tr', {}, el('th', {}, 'Number of chunks'), el('td', {class: 'num'}, h.chunkCount)),
          el('tr', {}, el('th', {}, 'Number of label pairs'), el('td', {class: 'num'}, h.numLabelPairs)),
          el('tr', {}, el('th', {}, 'Current min time'), el('td', {}, t(h.minTime))),
          el('tr', {}, el('th', {}, 'Current max time'), el('td', {}, t(h.maxTime)))))),
      nameValueTable('Top series count by metric name', data.seriesCountByMetricName),
      nameValueTable('Top label names with value count', data.labelValueCountByLabelName),
      nameValueTable('Top label names with high memory usage', data.memoryInBytesByLabelName, 'Bytes'),
      nameValueTable('Top series count by label value pairs', data.seriesCountByLabelValuePair),
    ]);
  }

  // ---------------------------------------------- runtime & build page

  async function pageStatus(main) {
    const [rt, bi] = await Promise.all([api('status/runtimeinfo'), api('status/buildinfo')]);
    const kv = (o) => el('table', {class: 'data'}, el('tbody', {}, Object.keys(o || {}).map((k) =>
      el('tr', {}, el('th', {}, k), el('td', {}, typeof o[k] === 'object' ? JSON.stringify(o[k]) : String(o[k]))))));
    appendChildren(main, [
      el('h1', {}, 'Runtime & build information'),
      el('h2', {}, 'Runtime information'), kv(rt.data),
      el('h2', {}, 'Build information'), kv(bi.data),
    ]);
  }

  // ------------------------------------------------------------ router

  const PAGES = {
    'query': pageQuery,
    'graph': pageQuery,
    'alerts': pageAlerts,
    'rules': pageRules,
    'targets': pageTargets,
    'service-discovery': pageServiceDiscovery,
    'config': pageConfig,
    'flags': pageFlags,
    'tsdb-status': pageTsdbStatus,
    'status': pageStatus,
  };

  async function start() {
    let page = location.pathname.replace(/\/+$/, '').split('/').pop();
    if (!PAGES[page]) page = 'query';
    const navKey = page === 'graph' ? 'query' : page;
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('active', a.dataset.page === navKey);
    }
    document.title = 'Vigil · ' + (document.querySelector('#nav a.active') || {textContent: 'Query'}).textContent;
    const main = clear(document.getElementById('main'));
    main.dataset.page = navKey;
    if (PAGES[page] === pageQuery) {
      pageQuery(main);
      return;
    }
    const spinner = loading();
    main.appendChild(spinner);
    try {
      const content = el('div', {});
      await PAGES[page](content);
      main.replaceChild(content, spinner);
    } catch (err) {
      main.replaceChild(errorBox(err), spinner);
    }
  }

  // Exposed for the browser test and for debugging from the console.
  window.vigilUi = {parseDuration, formatDuration, parseTime, formatTime, formatSeries};

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
