// The demo host page's own script: records the widget's events (window.hostEvents, for tests) and
// lists them, bound as text.
const NAMES = ['taskmem-ready', 'taskmem-memory', 'taskmem-answer', 'taskmem-error', 'taskmem-adapter'];
window.hostEvents = [];
const list = document.getElementById('events');
for (const name of NAMES) {
  document.addEventListener(name, (e) => {
    window.hostEvents.push({ type: name, detail: e.detail });
    const li = document.createElement('li');
    li.textContent = `${name} ${JSON.stringify(e.detail)}`;
    list.append(li);
  });
}
