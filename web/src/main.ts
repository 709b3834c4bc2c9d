// The KD gradient explorer: controls → state → computeView (kdgrad) → panels.
import { barChart, lineChart } from './charts.js';
import { CLASSES, PRESETS, computeView, initialState, sliderToTemperature, temperatureToSlider, type ExplorerState } from './state.js';

const state: ExplorerState = initialState('confident');
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (v: number | null) => (v === null ? '—' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2));

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
    input.addEventListener('input', () => { state[who][i] = Number(input.value); render(); });
  });
}

function table(headers: string[], rows: (string | number)[][], id: string): string {
  return `<table id="${id}"><thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v, i) => (i ? `<td>${v}</td>` : `<th scope="row">${v}</th>`)).join('')}</tr>`).join('')}</tbody></table>`;
}

function render(): void {
  const t0 = performance.now();
  const v = computeView(state);
  $('t-value').textContent = state.temperature.toFixed(3);
  $('alpha-value').textContent = state.alpha.toFixed(2);
  for (const who of ['teacher', 'student'] as const) CLASSES.forEach((_, i) => { $(`${who}-logit-${i}-out`).textContent = state[who][i]!.toFixed(1); });
  $('probs-chart').replaceChildren(barChart(`softened distributions at T=${state.temperature.toFixed(2)}`, CLASSES, [
    { name: 'teacher p = softmax(t/T)', color: '#1f77b4', values: v.teacherProbs },
    { name: 'student q = softmax(s/T)', color: '#ff7f0e', values: v.studentProbs },
  ]));
  $('loss-value').textContent = fmt(v.loss);
  $('loss-parts').textContent = `α·T²·KL = ${fmt(state.alpha * v.softLoss)}, (1 − α)·CE = ${fmt((1 - state.alpha) * v.hardLoss)}, KL = ${fmt(v.kl)}`;
  $('grad-chart').replaceChildren(barChart('gradient of the loss w.r.t. the student logits', CLASSES, [
    { name: 'soft (with T²)', color: '#2ca02c', values: v.grad.soft },
    { name: 'hard', color: '#d62728', values: v.grad.hard },
    { name: 'total', color: '#333', values: v.grad.total },
    { name: 'soft without T²', color: '#9467bd', values: v.grad.softUnscaled },
  ]));
  $('grad-table').innerHTML = table(['class', 'soft α∂(T²KL)/∂s', 'closed form αT(q−p)/B', 'hard (1−α)∂CE/∂s', 'total', 'soft without T²'],
    CLASSES.map((c, i) => [c, fmt(v.grad.soft[i]!), fmt(v.grad.closedFormSoft[i]!), fmt(v.grad.hard[i]!), fmt(v.grad.total[i]!), fmt(v.grad.softUnscaled[i]!)]), 'grad-values');
  $('dldt-value').textContent = fmt(v.dLdT);
  $('dldt-closed').textContent = fmt(v.dLdTClosedForm);
  const Ts = v.curve.map((c) => c.T);
  $('kl-chart').replaceChildren(lineChart('KL and T²·KL against T', Ts, [
    { name: 'KL', color: '#9467bd', values: v.curve.map((c) => c.kl) },
    { name: 'T²·KL', color: '#2ca02c', values: v.curve.map((c) => c.scaledKl) },
  ], { rule: { name: 'high-T limit ‖c(s)−c(t)‖²/2C', value: v.highTLimit }, marker: state.temperature }));
  $('dldt-chart').replaceChildren(lineChart('dL/dT against T', Ts, [{ name: 'dL/dT', color: '#d62728', values: v.curve.map((c) => c.dLdT) }], { marker: state.temperature }));
  $('graph').innerHTML = v.graph.split('\n').map((l) => (/ (T|T²) = /.test(l) ? `<mark>${escape(l)}</mark>` : escape(l))).join('\n');
  $('multi-chart').replaceChildren(barChart('multi-teacher targets', CLASSES, [
    { name: 'average of probabilities', color: '#1f77b4', values: v.multi.probs },
    { name: 'softmax of averaged logits', color: '#17becf', values: v.multi.logits },
  ]));
  $('multi-table').innerHTML = table(['', 'T²·KL', ...CLASSES.map((c) => `∂/∂s ${c}`)], [
    ['probs', fmt(v.multi.lossProbs), ...v.multi.gradProbs.map(fmt)],
    ['logits', fmt(v.multi.lossLogits), ...v.multi.gradLogits.map(fmt)],
  ], 'multi-values');
  $('update-ms').textContent = (performance.now() - t0).toFixed(1);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function init(): void {
  const preset = $<HTMLSelectElement>('preset');
  preset.innerHTML = Object.entries(PRESETS).map(([k, p]) => `<option value="${k}">${p.label}</option>`).join('');
  const label = $<HTMLSelectElement>('label');
  label.innerHTML = CLASSES.map((c, i) => `<option value="${i}">${c}</option>`).join('');
  const tSlider = $<HTMLInputElement>('t-slider');
  const alpha = $<HTMLInputElement>('alpha-slider');
  const sync = () => {
    logitSliders($('teacher-logits'), 'teacher');
    logitSliders($('student-logits'), 'student');
    tSlider.value = String(temperatureToSlider(state.temperature));
    alpha.value = String(state.alpha);
    label.value = String(state.label);
    $('teachers-text').textContent = state.teachers.map((t, k) => `teacher ${k + 1}: [${t.join(', ')}]`).join('\n');
  };
  preset.addEventListener('change', () => { Object.assign(state, initialState(preset.value as keyof typeof PRESETS), { temperature: state.temperature, alpha: state.alpha }); sync(); render(); });
  label.addEventListener('change', () => { state.label = Number(label.value); render(); });
  tSlider.addEventListener('input', () => { state.temperature = sliderToTemperature(Number(tSlider.value)); render(); });
  alpha.addEventListener('input', () => { state.alpha = Number(alpha.value); render(); });
  sync();
  render();
}

init();
