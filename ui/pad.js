// The drawing pad's behaviour (ui/pad.py runs it once per mount, with `element` the pad and
// `props` its value and settings). Pen, eraser, undo (a Clear too) and clear; mouse, finger or
// stylus through pointer events. Its value is the drawing's strokes as JSON, sent on each
// pen-up (setting props.value fires the component's change event), "" when nothing is drawn:
//   {"width": 400, "height": 400,
//    "strokes": [{"tool": "pen" | "eraser", "size": 24, "points": [[x, y], ...]}, ...]}
// in canvas pixels. The server draws these strokes with cam_core.strokes.render_drawing,
// which draws as this canvas does: round caps, the eraser removing ink, in order.
// Beneath the (transparent) canvas an <img> can show the heatmap on white paper: the server
// sends it to an invisible PadHeat component (pad.py), which passes it on as a
// 'digit-cam:pad-heat' event on the document, {src: data URL or "", for: crc32 of the value
// it explains, answer: a few words, guess: greyed};
// it is shown while the "Show the heatmap on my drawing" box is ticked (by default on screens
// up to 900 px wide, where the overlay panel is out of sight) and the drawing is still the one
// it explains, or a newer one it was explaining a moment ago (a stroke later, until the new
// answer lands). The answer's few words go in the paper's corner the same way.
const canvas = element.querySelector('canvas');
const pad = canvas.getContext('2d');
const heat = element.querySelector('.pen-heat');
const said = element.querySelector('.pen-answer');
const toggle = element.querySelector('.pen-heat-toggle input');
const SIZES = {pen: props.brush, eraser: props.eraser};
const REMEMBERED = 'digit-cam:heat-on-pad';
let tool = 'pen', strokes = [], current = null;
const past = [];  // earlier lists of strokes, newest last: Undo goes back one, Clear included

function draw(stroke) {
  pad.globalCompositeOperation = stroke.tool === 'eraser' ? 'destination-out' : 'source-over';
  pad.lineWidth = stroke.size;
  pad.lineCap = pad.lineJoin = 'round';
  pad.strokeStyle = '#000';
  pad.beginPath();
  pad.moveTo(...stroke.points[0]);
  for (const point of stroke.points) pad.lineTo(...point);
  if (stroke.points.length === 1) pad.lineTo(stroke.points[0][0] + 0.01, stroke.points[0][1]);
  pad.stroke();
}

function redraw() {
  pad.globalCompositeOperation = 'source-over';
  pad.clearRect(0, 0, canvas.width, canvas.height);
  strokes.forEach(draw);
}

function send() {
  props.value = strokes.length ? JSON.stringify({
    width: canvas.width, height: canvas.height,
    strokes: strokes.map(({tool, size, points}) => ({tool, size, points})),
  }) : '';
  if (!strokes.length) { showHeat(''); showAnswer(''); }  // nothing drawn: plain paper at once
}

// crc32 (the zlib one) of ASCII text: which drawing a heatmap from the server belongs to.
const CRC = Array.from({length: 256}, (_, n) => {
  for (let k = 0; k < 8; k++) n = n & 1 ? 0xEDB88320 ^ (n >>> 1) : n >>> 1;
  return n >>> 0;
});
function crc32(text) {
  let c = -1;
  for (let i = 0; i < text.length; i++) c = CRC[(c ^ text.charCodeAt(i)) & 0xFF] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function showHeat(src) {
  if (src !== undefined && heat.getAttribute('src') !== src) {
    if (src) heat.src = src; else heat.removeAttribute('src');
  }
  heat.hidden = !(toggle.checked && heat.getAttribute('src') && strokes.length);
}

// The answer in a few words in the paper's corner (pad.css shows it on screens up to 900 px
// wide only): text for the drawing on the pad, kept while a newer stroke waits for its answer.
function showAnswer(text, guess) {
  if (text !== undefined) {
    said.textContent = text;
    said.classList.toggle('guess', Boolean(guess));
  }
  said.hidden = !(said.textContent && strokes.length);
}

let answer = {};  // the latest heatmap from the server
function received() {
  if (!props.value || answer.for !== crc32(props.value)) return;  // for another drawing
  showHeat(answer.src || '');
  showAnswer(answer.answer || '', answer.guess);
}

function at(event) {  // page pixels → canvas pixels (inside the border), to 0.01 px
  const box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left - canvas.clientLeft) * canvas.width / canvas.clientWidth;
  const y = (event.clientY - box.top - canvas.clientTop) * canvas.height / canvas.clientHeight;
  return [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
}

function choose(name) {
  tool = name;
  element.querySelectorAll('[data-tool]').forEach(
    button => button.setAttribute('aria-pressed', String(button.dataset.tool === name)));
}

canvas.addEventListener('pointerdown', event => {
  if (!event.isPrimary || event.button !== 0 || current) return;  // no right-click strokes
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  current = {tool, size: SIZES[tool], points: [at(event)], id: event.pointerId};
  past.push(strokes);
  strokes = [...strokes, current];
  draw(current);
});

canvas.addEventListener('pointermove', event => {
  if (!current || event.pointerId !== current.id) return;
  if (event.buttons === 0) return finish(event);  // the release was lost (outside the window)
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  const from = current.points.length - 1;
  for (const e of events.length ? events : [event]) {
    const point = at(e), last = current.points[current.points.length - 1];
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) >= 0.5) current.points.push(point);
  }
  draw({...current, points: current.points.slice(from)});  // only the new piece
});

function finish(event) {
  if (!current || event.pointerId !== current.id) return;
  current = null;
  redraw();  // one clean pass: exactly the strokes sent
  send();
}
canvas.addEventListener('pointerup', finish);
canvas.addEventListener('pointercancel', finish);
canvas.addEventListener('lostpointercapture', finish);

element.querySelectorAll('[data-tool]').forEach(
  button => button.addEventListener('click', () => choose(button.dataset.tool)));
element.querySelector('[data-action="undo"]').addEventListener('click', () => {
  if (current || !past.length) return;
  strokes = past.pop();
  redraw();
  send();
});
element.querySelector('[data-action="clear"]').addEventListener('click', () => {
  if (strokes.length) past.push(strokes);  // a Clear by mistake is one Undo away
  strokes = [];
  choose('pen');  // a new drawing starts with the pen, not with the eraser left on
  redraw();
  send();
});

// Without a pointer: the canvas takes the focus; Enter or Space puts the pen down and lifts it,
// the arrow keys move it (Shift: four times as far), Escape lifts it. A ring on the paper shows
// where the pen is; each lift sends the stroke, as a pen-up does. role="status" says the pen's
// state to a screen reader.
const ring = element.querySelector('.pen-cursor');
const status = element.querySelector('.pen-said');
const STEP = canvas.width / 40, BIG_STEP = 4 * STEP;
const MOVES = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
let pen = [canvas.width / 2, canvas.height / 2];

function showRing() {
  ring.style.left = `${100 * pen[0] / canvas.width}%`;
  ring.style.top = `${100 * pen[1] / canvas.height}%`;
  ring.classList.toggle('down', Boolean(current && current.id === 'keys'));
  ring.hidden = document.activeElement !== canvas;
}

function penDown() {
  current = {tool, size: SIZES[tool], points: [[...pen]], id: 'keys'};
  past.push(strokes);
  strokes = [...strokes, current];
  draw(current);
  status.textContent = status.dataset.down;
}

function penUp() {
  finish({pointerId: 'keys'});
  status.textContent = status.dataset.up;
}

canvas.addEventListener('keydown', event => {
  const keyStroke = current && current.id === 'keys';
  if (event.key === 'Enter' || event.key === ' ') {
    if (current && !keyStroke) return;  // a pointer is drawing
    event.preventDefault();
    if (keyStroke) penUp(); else penDown();
  } else if (event.key === 'Escape' && keyStroke) {
    event.preventDefault();
    penUp();
  } else if (MOVES[event.key] && !event.altKey && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();  // the pen moves, not the page
    const [dx, dy] = MOVES[event.key], step = event.shiftKey ? BIG_STEP : STEP;
    pen = [Math.min(Math.max(pen[0] + dx * step, 0), canvas.width),
           Math.min(Math.max(pen[1] + dy * step, 0), canvas.height)];
    if (keyStroke) {
      current.points.push([...pen]);
      draw({...current, points: current.points.slice(-2)});
    }
  } else {
    return;
  }
  showRing();
});
canvas.addEventListener('focus', showRing);
canvas.addEventListener('blur', () => {
  if (current && current.id === 'keys') penUp();  // leaving the pad lifts the pen
  showRing();
});

let remembered = null;
try { remembered = localStorage.getItem(REMEMBERED); } catch (error) { /* private mode */ }
toggle.checked = remembered === null ? matchMedia('(max-width: 900px)').matches
                                     : remembered === 'on';
toggle.addEventListener('change', () => {
  try { localStorage.setItem(REMEMBERED, toggle.checked ? 'on' : 'off'); } catch (error) {}
  showHeat();
});
document.addEventListener('digit-cam:pad-heat', event => {
  answer = event.detail || {};
  received();
});

// Mounted again with a drawing already sent (e.g. the page re-rendered): show it again, with
// its strokes, so Undo goes on working (one stroke at a time).
try {
  const sent = props.value ? JSON.parse(props.value) : null;
  if (sent && Array.isArray(sent.strokes)) {
    strokes = sent.strokes;
    sent.strokes.forEach((_, n) => past.push(sent.strokes.slice(0, n)));
    redraw();
    received();
  }
} catch (error) {
  console.warn('drawing pad: could not restore the drawing', error);
}

// Gradio connects the page's events a moment after the pad appears (its "Loading…" overlay):
// a stroke finished before then reached no one. So once the app says it is ready (the page's
// load event, ui/layout.py, sets the flag and sends 'digit-cam:app-ready'), a drawing made
// meanwhile is sent again, one trailing space different (JSON allows it), since Gradio
// sends only a value that changed. No first stroke is lost, however slow the start.
// While the app connects, Gradio lays a translucent "Loading…" sheet over the whole page, which
// took the first strokes of a class opening the page at once: let fingers through it to the
// pad (the drawing is sent once the app is ready, below).
if (!document.getElementById('digit-cam-loading-passes')) {
  const style = document.createElement('style');
  style.id = 'digit-cam-loading-passes';
  style.textContent = '.gradio-container .main > .wrap.full.translucent {pointer-events: none;}';
  document.head.append(style);
}
function appReady() {
  if (canvas.dataset.appReady) return;
  canvas.dataset.appReady = 'true';
  if (strokes.length) props.value = props.value.endsWith(' ') ? props.value.trimEnd()
                                                               : props.value + ' ';
}
if (document.documentElement.dataset.digitCamReady) appReady();
else document.addEventListener('digit-cam:app-ready', appReady, {once: true});

// Listening from here on: a stroke made before this line ran would be lost (tests wait for it).
canvas.dataset.ready = 'true';
