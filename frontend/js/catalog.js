// Catalog filter: free text over title, summary and id, plus one concept at a time. Server-rendered
// cards stay usable without this script. Also the engine switch, for the lab's own user.
import {switchEngine} from './engine.js';

const input = document.getElementById('filter');
const chips = [...document.querySelectorAll('.concept-filter .chip')];
const cards = [...document.querySelectorAll('.card')];
const groups = [...document.querySelectorAll('.concept-group')];
const counter = document.getElementById('filter-count');
let concept = new URLSearchParams(location.search).get('concept') || '';

function apply() {
  const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const card of cards) {
    const text = card.dataset.text + ' ' + card.dataset.concepts;
    const ok = (!concept || card.dataset.concepts.split(' ').includes(concept)) && words.every((w) => text.includes(w));
    card.hidden = !ok;
    if (ok) shown++;
  }
  for (const g of groups) g.hidden = ![...g.querySelectorAll('.card')].some((c) => !c.hidden);
  for (const chip of chips) chip.setAttribute('aria-pressed', String(chip.dataset.concept === concept));
  counter.textContent = `${shown} of ${cards.length} experiments`;
  document.getElementById('no-match').hidden = shown > 0;
}

input.addEventListener('input', apply);
for (const chip of chips) {
  chip.addEventListener('click', () => {
    concept = chip.dataset.concept;
    const url = new URL(location.href);
    if (concept) url.searchParams.set('concept', concept);
    else url.searchParams.delete('concept');
    history.replaceState(null, '', url);
    apply();
  });
}
apply();

// The engine switch (the lab's own user only: the server renders it for nobody else).
const switchButton = document.getElementById('engine-switch-button');
if (switchButton) {
  const button = switchButton;
  const select = document.getElementById('engine-mode');
  const status = document.getElementById('engine-switch-status');
  button.addEventListener('click', async () => {
    button.disabled = select.disabled = true;
    try {
      await switchEngine(select.value, (text) => { status.textContent = text; });
      status.textContent = `The engine runs ${select.value}.`;
      location.reload();
    } catch (err) {
      status.textContent = err.problem?.detail || err.message;
      button.disabled = select.disabled = false;
    }
  });
}
