// What the page needs for screen readers and keyboards that Gradio's components do not give
// (ui/access.py puts this script in the page's <head>, with the catalog's words in WORDS).
// Re-applied whenever Gradio re-renders a part of the page:
// - a live region says each new answer and the map in words (#described);
// - the heatmaps' pictures get the map in words as their alt text (and the buttons Gradio
//   wraps them in, which do nothing here, leave the Tab order);
// - each radio group is one Tab stop, its choices reached with the arrow keys (the ARIA radio
//   group pattern, here the browser's own: Gradio names each input differently);
// - the examples are named by their digit; the bar chart's drawing is left to the table
//   beside it (its own name was its axis numbers); empty boxes lose a name ARIA forbids;
// - each part of the page starts with a heading (for screen readers only).
(() => {
  const ALL_WORDS = ACCESS_WORDS;  // language → words; the page's language is <html lang>
  let WORDS = ALL_WORDS.en;
  const HEADINGS = [  // [selector, word key, where]: 'in' = first child, 'before' = sibling
    ['#input-column', 'draw_heading', 'in'], ['#result-column', 'answer_heading', 'in'],
    ['#map-column', 'maps_heading', 'in'], ['#controls', 'controls_heading', 'before'],
    ['#teaching', 'teaching_heading', 'before']];

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');
  }

  // The live region is the page's own, outside Gradio's blocks: a block's loading timer
  // ("processing | 0.4s") would be read out with every tick inside one. It repeats the answer
  // and the map in words (#described) each time they change.
  function liveRegion() {
    let region = document.querySelector('#spoken');
    if (!region) {
      region = document.createElement('div');
      region.id = 'spoken';
      region.className = 'visually-hidden';
      region.setAttribute('aria-live', 'polite');
      region.setAttribute('aria-atomic', 'true');
      document.body.append(region);
    }
    const said = document.querySelector('#described .described')?.textContent.trim() ?? '';
    if (said && region.textContent !== said) region.textContent = said;
  }

  function pictures() {
    const described = document.querySelector('#described .described')?.dataset.described ?? '';
    for (const [selector, key] of [['#overlay', 'overlay'], ['#model-view', 'model_view']]) {
      const alt = fill(WORDS[key], {described}).trim();
      document.querySelectorAll(`${selector} img`).forEach(img => {
        if (img.getAttribute('alt') !== alt) img.setAttribute('alt', alt);
        const wrapper = img.closest('button');
        if (wrapper && !wrapper.classList.contains('icon-button')
            && wrapper.getAttribute('tabindex') !== '-1') wrapper.setAttribute('tabindex', '-1');
      });
    }
    document.querySelectorAll('#overlay button.icon-button[aria-label="Fullscreen"]').forEach(
      button => button.setAttribute('aria-label', WORDS.fullscreen));
  }

  function radioGroups() {
    document.querySelectorAll('fieldset').forEach((group, n) => {
      const inputs = group.querySelectorAll('input[type="radio"]');
      if (!inputs.length) return;
      group.dataset.radioGroup ??= group.id || `radio-group-${n}`;
      inputs.forEach(input => {
        if (input.name !== group.dataset.radioGroup) input.name = group.dataset.radioGroup;
      });
    });
  }

  function examples() {
    document.querySelectorAll('#examples button.gallery-item').forEach(button => {
      const name = button.querySelector('img')?.getAttribute('src') ?? '';
      const digit = name.match(/(\d)\.\w+$/)?.[1];
      if (digit && !button.hasAttribute('aria-label')) {
        button.setAttribute('aria-label', fill(WORDS.example, {digit}));
      }
    });
  }

  // Gradio's empty picture boxes (an experiment not run yet) name a plain <div>, which no
  // screen reader reads (and ARIA forbids): the name goes, the box stays.
  function emptyBoxes() {
    document.querySelectorAll('div.empty[aria-label]:not([role])').forEach(
      box => box.removeAttribute('aria-label'));
  }

  function chart() {
    const drawing = document.querySelector('#chart .vega-embed');
    if (drawing && drawing.getAttribute('aria-hidden') !== 'true') {
      drawing.setAttribute('aria-hidden', 'true');
    }
  }

  // Each part's heading, made once and renamed when the page's language changes.
  function headings() {
    for (const [selector, key, where] of HEADINGS) {
      const part = document.querySelector(selector);
      if (!part || !WORDS[key]) continue;
      let heading = document.querySelector(`h2[data-heading-for="${selector}"]`);
      if (!heading) {
        heading = document.createElement('h2');
        heading.className = 'visually-hidden';
        heading.dataset.headingFor = selector;
        if (where === 'in') part.prepend(heading); else part.before(heading);
      }
      if (heading.textContent !== WORDS[key]) heading.textContent = WORDS[key];
    }
  }

  // The drawing pad's words in the page's language: its buttons (their text, and the names
  // screen readers say), the canvas's name, the keys' help and what is said as the pen goes
  // down and up; set only when they differ, so this makes no change of its own to react to.
  function pad() {
    const set = (selector, text, name) => {
      const button = document.querySelector(`#sketch ${selector}`);
      if (!button) return;
      if (button.textContent !== text) button.textContent = text;
      if (name && button.getAttribute('aria-label') !== name) {
        button.setAttribute('aria-label', name);
      }
    };
    const canvas = document.querySelector('#sketch canvas');
    if (canvas && canvas.getAttribute('aria-label') !== WORDS.pad_label) {
      canvas.setAttribute('aria-label', WORDS.pad_label);
    }
    const help = document.querySelector('#sketch .pen-keys');
    if (help && help.textContent !== WORDS.pad_keys) help.textContent = WORDS.pad_keys;
    const status = document.querySelector('#sketch .pen-said');
    if (status) {  // pad.js says these as the pen goes down and up
      const said = {[status.dataset.down]: WORDS.pen_down, [status.dataset.up]: WORDS.pen_up};
      if (status.dataset.down !== WORDS.pen_down) status.dataset.down = WORDS.pen_down;
      if (status.dataset.up !== WORDS.pen_up) status.dataset.up = WORDS.pen_up;
      const now = said[status.textContent];  // said last in the language before: say it anew
      if (now && status.textContent !== now) status.textContent = now;
    }
    set('[data-tool="pen"]', WORDS.pad_pen);
    set('[data-tool="eraser"]', WORDS.pad_eraser);
    set('[data-action="undo"]', WORDS.pad_undo, WORDS.pad_undo_name);
    set('[data-action="clear"]', WORDS.pad_clear, WORDS.pad_clear_name);
    const toggle = document.querySelector('#sketch .pen-heat-toggle');
    const words = toggle?.lastChild;
    const wanted = ` ${WORDS.pad_heat_toggle}`;
    if (words?.nodeType === Node.TEXT_NODE && words.textContent !== wanted) {
      words.textContent = wanted;
    }
  }

  let queued = false;
  function apply() {
    queued = false;
    WORDS = ALL_WORDS[document.documentElement.lang] || ALL_WORDS.en;
    pad();
    liveRegion(); pictures(); radioGroups(); examples(); emptyBoxes(); chart(); headings();
  }
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(apply); }
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ['src', 'aria-label', 'lang'],
                                        characterData: true});
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', apply);
  else apply();
})();
