// The KD gradient explorer: controls → state → computeView (kdgrad) → panels.
import { barSpec, Chart, lineSpec, type Row } from './charts.js';
import { graphSvg } from './graph.js';
import {
  CLASSES,
  PRESETS,
  computeView,
  fmt,
  initialState,
  sliderToTemperature,
  temperatureToSlider,
  type ExplorerState,
} from './state.js';

const state: ExplorerState = initialState('confident');
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function logitSliders(container: HTMLElement, who: 'teacher' | 'student'): void {
  container.innerHTML = '';
  CLASSES.forEach((c, i) => {
    const id = `${who}-logit-${i}`;
    const wrap = document.createElement('div');
    wrap.className = 'logit';
    wrap.innerHTML = `<label for="${id}">${c}</label><input type="range" id="${id}" min="-10" max="10" step="0.1" aria-label="${who} logit for ${c}"><output id="${id}-out"></output>`;
    container.appendChild(wrap);
    const input = wrap.querySelector('input')!;
    input.value = String(state[who][i]);
    input.addEventListener('input', () => {
      state[who][i] = Number(input.value);
      void render();
    });
  });
}

function table(headers: string[], rows: (string | number)[][], id: string): string {
  return `<table id="${id}"><thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v, i) => (i ? `<td>${v}</td>` : `<th scope="row">${v}</th>`)).join('')}</tr>`).join('')}</tbody></table>`;
}

const PROB_SERIES = ['teacher p = softmax(t/T)', 'student q = softmax(s/T)'];
const GRAD_SERIES = ['soft α·∂(T²KL)/∂s', 'hard (1−α)·∂CE/∂s', 'total', 'soft without T²'];
const NORM_SERIES = ['‖α·∂(T²·KL)/∂s‖ (with T²)', '‖α·∂KL/∂s‖ (without T²)'];
const MULTI_SERIES = ['average of probabilities', 'softmax of averaged logits'];
const LIMIT = 'high-T limit of T²·KL: ‖c(s)−c(t)‖²/2C';
const probsSpec = (log: boolean) =>
  barSpec({
    title: 'softened distributions',
    yTitle: log ? 'probability (log)' : 'probability',
    classes: CLASSES,
    series: PROB_SERIES,
    colors: ['#1f77b4', '#ff7f0e'],
    probability: true,
    log,
  });
const multiSpec = (log: boolean) =>
  barSpec({
    title: 'the multi-teacher target',
    yTitle: log ? 'probability (log)' : 'probability',
    classes: CLASSES,
    series: MULTI_SERIES,
    colors: ['#1f77b4', '#17becf'],
    probability: true,
    log,
  });
let charts: Record<'probs' | 'grad' | 'norm' | 'kl' | 'dldt' | 'multi', Chart>;

/** Rows {class, series, value} for grouped bars. */
const bars = (series: readonly string[], values: readonly (readonly number[])[]): Row[] =>
  series.flatMap((name, k) =>
    CLASSES.map((c, i) => ({ class: c, series: name, value: values[k]![i]! })),
  );

let renders = 0;

async function render(): Promise<void> {
  const t0 = performance.now();
  const v = computeView(state);
  $('t-value').textContent = state.temperature.toFixed(3);
  $('alpha-value').textContent = state.alpha.toFixed(2);
  for (const who of ['teacher', 'student'] as const)
    CLASSES.forEach((_, i) => {
      $(`${who}-logit-${i}-out`).textContent = state[who][i]!.toFixed(1);
    });
  $('probs-table').innerHTML = table(
    ['class', 'teacher p', 'student q'],
    CLASSES.map((c, i) => [c, fmt(v.teacherProbs[i]!), fmt(v.studentProbs[i]!)]),
    'probs-values',
  );
  const t2 = v.withT2 ? 'T²·' : '';
  $('loss-formula').textContent = `α·${t2}KL + (1 − α)·CE`;
  $('loss-value').textContent = fmt(v.loss);
  $('loss-parts').textContent =
    `α·${t2}KL = ${fmt(state.alpha * v.softLoss)}, (1 − α)·CE = ${fmt((1 - state.alpha) * v.hardLoss)}, KL = ${fmt(v.kl)}`;
  $('grad-table').innerHTML = table(
    [
      'class',
      `soft α∂(${t2}KL)/∂s`,
      v.withT2 ? 'closed form αT(q−p)/B' : 'closed form α(q−p)/(TB)',
      'hard (1−α)∂CE/∂s',
      'total',
      'soft without T²',
    ],
    CLASSES.map((c, i) => [
      c,
      fmt(v.grad.soft[i]!),
      fmt(v.grad.closedFormSoft[i]!),
      fmt(v.grad.hard[i]!),
      fmt(v.grad.total[i]!),
      fmt(v.grad.softUnscaled[i]!),
    ]),
    'grad-values',
  );
  $('dldt-value').textContent = fmt(v.dLdT);
  $('dldt-closed').textContent = fmt(v.dLdTClosedForm);
  $('graph-drawing').innerHTML = graphSvg(v.nodes, v.edges, fmt);
  $('graph').innerHTML = v.graph
    .split('\n')
    .map((l) => (/ (T|T²) = /.test(l) ? `<mark>${escape(l)}</mark>` : escape(l)))
    .join('\n');
  const m = v.multi;
  $('teachers-text').textContent = m.teachers
    .map((t, k) => `teacher ${k + 1}: [${t.map((x) => Number(x.toFixed(2))).join(', ')}]`)
    .join('\n');
  $('multi-loss').textContent =
    `loss α·${t2}KL + (1 − α)·CE: probabilities averaged ${fmt(m.lossProbs)},` +
    ` logits averaged ${fmt(m.lossLogits)}; its ${t2}KL: ${fmt(m.softProbs)} and ${fmt(m.softLogits)}`;
  const multiRows = CLASSES.map((c, i) => [
    c,
    fmt(m.probs[i]!),
    fmt(m.logits[i]!),
    fmt(m.gradProbs[i]!),
    fmt(m.gradLogits[i]!),
  ]);
  $('multi-table').innerHTML = table(
    ['class', 'target, probs avg', 'target, logits avg', '∂L/∂s, probs', '∂L/∂s, logits'],
    multiRows,
    'multi-values',
  );
  const numbers = performance.now() - t0;
  const marker = [{ T: state.temperature }];
  await Promise.all([
    charts.probs.update({ table: bars(PROB_SERIES, [v.teacherProbs, v.studentProbs]) }),
    charts.grad.update({
      table: bars(GRAD_SERIES, [v.grad.soft, v.grad.hard, v.grad.total, v.grad.softUnscaled]),
    }),
    charts.norm.update({
      table: v.curve.flatMap((c) => [
        { T: c.T, series: NORM_SERIES[0]!, value: c.gradScaled },
        { T: c.T, series: NORM_SERIES[1]!, value: c.gradUnscaled },
      ]),
      marker,
    }),
    charts.kl.update({
      table: v.curve.flatMap((c) => [
        { T: c.T, series: 'KL', value: c.kl },
        { T: c.T, series: 'T²·KL', value: c.scaledKl },
      ]),
      rules: [{ series: LIMIT, value: v.highTLimit }],
      marker,
    }),
    charts.dldt.update({
      table: v.curve.map((c) => ({ T: c.T, series: 'dL/dT', value: c.dLdT })),
      marker,
    }),
    charts.multi.update({ table: bars(MULTI_SERIES, [v.multi.probs, v.multi.logits]) }),
  ]);
  const total = performance.now() - t0;
  $('update-ms').textContent = total.toFixed(1);
  const charted = (total - numbers).toFixed(1);
  const first = renders ? '' : ', first draw';
  $('update-split').textContent =
    `(numbers ${numbers.toFixed(1)} ms, charts ${charted} ms${first})`;
  document.body.dataset.renders = String(++renders);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function init(): void {
  const preset = $<HTMLSelectElement>('preset');
  preset.innerHTML = Object.entries(PRESETS)
    .map(([k, p]) => `<option value="${k}">${p.label}</option>`)
    .join('');
  const label = $<HTMLSelectElement>('label');
  label.innerHTML = CLASSES.map((c, i) => `<option value="${i}">${c}</option>`).join('');
  const tSlider = $<HTMLInputElement>('t-slider');
  const alpha = $<HTMLInputElement>('alpha-slider');
  const log = $<HTMLInputElement>('log-scale');
  const noT2 = $<HTMLInputElement>('no-t2');
  noT2.addEventListener('change', () => {
    state.withT2 = !noT2.checked;
    void render();
  });
  charts = {
    probs: new Chart($('probs-chart'), probsSpec(false)),
    grad: new Chart(
      $('grad-chart'),
      barSpec({
        title: 'gradient of the loss w.r.t. the student logits',
        yTitle: '∂L/∂s',
        classes: CLASSES,
        series: GRAD_SERIES,
        colors: ['#2ca02c', '#d62728', '#333333', '#9467bd'],
      }),
    ),
    norm: new Chart(
      $('norm-chart'),
      lineSpec({
        title: 'size of the soft gradient against T (log–log)',
        yTitle: '‖soft gradient‖ (log)',
        series: NORM_SERIES,
        colors: ['#2ca02c', '#9467bd'],
        logY: true,
      }),
    ),
    kl: new Chart(
      $('kl-chart'),
      lineSpec({
        title: 'KL and T²·KL against T',
        yTitle: 'loss',
        series: ['KL', 'T²·KL'],
        rules: [LIMIT],
        colors: ['#9467bd', '#2ca02c', '#555555'],
      }),
    ),
    dldt: new Chart(
      $('dldt-chart'),
      lineSpec({
        title: 'dL/dT against T',
        yTitle: 'dL/dT',
        series: ['dL/dT'],
        colors: ['#d62728'],
      }),
    ),
    multi: new Chart($('multi-chart'), multiSpec(false)),
  };
  const sync = () => {
    logitSliders($('teacher-logits'), 'teacher');
    logitSliders($('student-logits'), 'student');
    tSlider.value = String(temperatureToSlider(state.temperature));
    alpha.value = String(state.alpha);
    label.value = String(state.label);
  };
  preset.addEventListener('change', () => {
    const kept = { temperature: state.temperature, alpha: state.alpha, withT2: state.withT2 };
    Object.assign(state, initialState(preset.value), kept);
    sync();
    void render();
  });
  label.addEventListener('change', () => {
    state.label = Number(label.value);
    void render();
  });
  tSlider.addEventListener('input', () => {
    state.temperature = sliderToTemperature(Number(tSlider.value));
    void render();
  });
  alpha.addEventListener('input', () => {
    state.alpha = Number(alpha.value);
    void render();
  });
  log.addEventListener('change', () => {
    charts.probs.respec(probsSpec(log.checked));
    charts.multi.respec(multiSpec(log.checked));
    void render();
  });
  sync();
  void render();
}

init();
