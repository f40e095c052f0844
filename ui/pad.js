// The drawing pad's behaviour (ui/pad.py runs it once per mount, with `element` the pad and
// `props` its value and settings). Pen, eraser, undo and clear; mouse, finger or stylus through
// pointer events. Its value is the drawing's strokes as JSON, sent on each pen-up (setting
// props.value fires the component's change event), "" when nothing is drawn:
//   {"width": 400, "height": 400,
//    "strokes": [{"tool": "pen" | "eraser", "size": 24, "points": [[x, y], ...]}, ...]}
// in canvas pixels. The server draws these strokes with cam_core.strokes.render_drawing,
// which draws as this canvas does: round caps, the eraser removing ink, in order.
const canvas = element.querySelector('canvas');
const pad = canvas.getContext('2d');
const SIZES = {pen: props.brush, eraser: props.eraser};
let tool = 'pen', strokes = [], current = null;

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
  strokes.push(current);
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
  if (!strokes.length) return;
  strokes.pop();
  redraw();
  send();
});
element.querySelector('[data-action="clear"]').addEventListener('click', () => {
  strokes = [];
  choose('pen');  // a new drawing starts with the pen, not with the eraser left on
  redraw();
  send();
});

// Mounted again with a drawing already sent (e.g. the page re-rendered): show it again, with
// its strokes, so Undo goes on working.
try {
  const sent = props.value ? JSON.parse(props.value) : null;
  if (sent && Array.isArray(sent.strokes)) { strokes = sent.strokes; redraw(); }
} catch (error) {
  console.warn('drawing pad: could not restore the drawing', error);
}
